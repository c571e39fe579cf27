"""Dashboard URLs of the vendors app: vendor accounts, simulator knobs, the error catalog and API tokens."""

from __future__ import annotations

from django.urls import path

from vendors import views

app_name = "vendors"
urlpatterns = [
    path("", views.account_list, name="accounts"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/test/", views.account_test, name="account_test"),
    path("accounts/<int:pk>/sync/", views.account_sync, name="account_sync"),
    path("simulators/", views.simulators, name="simulators"),
    path("errors/", views.error_catalog, name="errors"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
