"""Who may open which dashboard page: viewers read, operators run campaigns and fleets, admins manage vendor
accounts; users without a role and anonymous visitors get nothing."""

from __future__ import annotations

import pytest

from devices.models import Device

pytestmark = pytest.mark.django_db


def read_pages(p) -> list[str]:
    device = Device.objects.order_by("id").first()
    return [
        "/", "/campaigns/", f"/campaigns/{p.draft.pk}/", f"/campaigns/{p.running.pk}/",
        f"/campaigns/{p.running.pk}/devices.csv", "/devices/", f"/devices/{device.pk}/", "/devices/fleets/",
        f"/devices/fleets/{p.fleet.pk}/", "/vendors/", f"/vendors/accounts/{p.knox.pk}/", "/vendors/errors/",
        "/vendors/tokens/",
    ]


def operator_pages(p) -> list[str]:
    return [
        "/campaigns/new/", f"/campaigns/{p.draft.pk}/edit/", f"/campaigns/{p.running.pk}/pause/",
        f"/campaigns/{p.draft.pk}/start/", "/devices/fleets/new/", f"/devices/fleets/{p.fleet.pk}/edit/",
        "/devices/import/",
    ]


def admin_pages(p) -> list[str]:
    return ["/vendors/accounts/new/", f"/vendors/accounts/{p.knox.pk}/edit/", "/vendors/simulators/"]


def test_anonymous_visitors_are_sent_to_log_in_from_every_page(client, portal):
    for url in read_pages(portal) + operator_pages(portal) + admin_pages(portal):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url


def test_a_user_without_a_role_is_refused_every_page_with_a_reason(as_dave, portal):
    for url in read_pages(portal) + operator_pages(portal) + admin_pages(portal):
        response = as_dave.get(url)
        assert response.status_code == 403, url
    assert b"no role in the portal" in as_dave.get("/").content


def test_a_viewer_reads_every_page_but_changes_nothing(as_carol, portal):
    for url in read_pages(portal):
        assert as_carol.get(url).status_code == 200, url
    for url in operator_pages(portal) + admin_pages(portal):
        assert as_carol.get(url).status_code == 403, url
    assert as_carol.post(f"/campaigns/{portal.running.pk}/pause/").status_code == 403


def test_an_operator_runs_campaigns_and_fleets_but_not_vendor_accounts(as_bob, portal):
    for url in read_pages(portal) + operator_pages(portal):
        assert as_bob.get(url).status_code == 200, url
    for url in admin_pages(portal):
        assert as_bob.get(url).status_code == 403, url
    assert as_bob.post(f"/vendors/accounts/{portal.knox.pk}/test/").status_code == 403


def test_an_admin_opens_every_page(as_alice, portal):
    for url in read_pages(portal) + operator_pages(portal) + admin_pages(portal):
        assert as_alice.get(url).status_code == 200, url


def test_the_navigation_shows_the_role_and_hides_nothing_a_viewer_may_read(as_carol, portal):
    page = as_carol.get("/").content.decode()
    for link in ("/campaigns/", "/devices/", "/devices/fleets/", "/vendors/", "/vendors/errors/", "/vendors/tokens/"):
        assert f'href="{link}"' in page
    assert 'data-role="viewer"' in page
    assert "New campaign" not in page
