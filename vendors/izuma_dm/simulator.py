"""Placeholder: the izuma_dm simulator is being written."""

urlpatterns: list = []
