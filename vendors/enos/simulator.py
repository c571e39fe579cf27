"""Placeholder: the enos simulator is being written."""

urlpatterns: list = []
