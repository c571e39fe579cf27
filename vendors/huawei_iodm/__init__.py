"""Huawei OceanConnect IoDM northbound v1.5.0: connector, endpoint table, status mapping and simulator."""
