"""Roles: viewers read, operators run campaigns, admins manage vendor accounts and users."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from fota_portal.roles import Role, user_has_role, user_role

pytestmark = pytest.mark.django_db


def test_a_fresh_install_has_the_three_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "operator", "admin"}


def test_each_named_user_holds_their_role(alice, bob, carol, dave):
    assert user_role(alice) == Role.ADMIN
    assert user_role(bob) == Role.OPERATOR
    assert user_role(carol) == Role.VIEWER
    assert user_role(dave) is None


def test_higher_roles_include_lower_ones(alice, bob, carol):
    assert user_has_role(alice, Role.OPERATOR) and user_has_role(alice, Role.VIEWER)
    assert user_has_role(bob, Role.VIEWER) and not user_has_role(bob, Role.ADMIN)
    assert not user_has_role(carol, Role.OPERATOR)


def test_viewers_may_only_view(carol):
    assert carol.has_perm("campaigns.view_campaign")
    assert carol.has_perm("vendors.view_errorcatalogentry")
    assert not carol.has_perm("campaigns.change_campaign")
    assert not carol.has_perm("campaigns.run_campaign")
    assert not carol.has_perm("devices.add_device")


def test_operators_run_campaigns_and_manage_devices_but_not_vendor_accounts(bob):
    assert bob.has_perm("campaigns.run_campaign")
    assert bob.has_perm("campaigns.add_campaign")
    assert bob.has_perm("devices.change_fleet")
    assert not bob.has_perm("vendors.change_vendoraccount")
    assert not bob.has_perm("auth.add_user")


def test_admins_manage_vendor_accounts_and_users(alice):
    assert alice.has_perm("vendors.add_vendoraccount")
    assert alice.has_perm("auth.change_user")


def test_outsiders_can_do_nothing(dave):
    assert not dave.has_perm("campaigns.view_campaign")


def test_the_dashboard_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_the_login_page_logs_a_user_in(client, bob):
    page = client.get("/login/")
    assert page.status_code == 200 and b"Log in" in page.content
    response = client.post("/login/", {"username": "bob", "password": "correct horse battery staple"})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200 and b"Operator" in home.content


def test_a_wrong_password_is_refused_with_a_message(client, bob):
    response = client.post("/login/", {"username": "bob", "password": "nope"})
    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_create_admin_makes_a_user_with_the_admin_role(db):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("create_admin", "root", "--password", "a-long-and-unusual-passphrase")
    root = get_user_model().objects.get(username="root")
    assert user_role(root) == Role.ADMIN and root.check_password("a-long-and-unusual-passphrase")


def test_create_admin_refuses_a_weak_password(db):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="too common|too short"):
        call_command("create_admin", "root", "--password", "password")
    assert not get_user_model().objects.filter(username="root").exists()


def test_a_fresh_database_gives_each_role_the_permissions_of_every_app():
    from django.contrib.auth.models import Group

    operator = set(Group.objects.get(name="operator").permissions.values_list("content_type__app_label", flat=True))
    assert {"campaigns", "devices", "vendors"} <= operator
