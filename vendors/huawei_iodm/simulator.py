"""Placeholder: the huawei_iodm simulator is being written."""

urlpatterns: list = []
