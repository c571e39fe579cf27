"""The huawei_iodm connector and simulator."""
