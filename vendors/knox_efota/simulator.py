"""Placeholder: the knox_efota simulator is being written."""

urlpatterns: list = []
