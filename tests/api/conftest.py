"""API test fixtures: a client per named user authenticated with a real API token, and throttling off by default."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from fota_portal.services.tokens import api_token_create


@pytest.fixture(autouse=True)
def _api_settings(settings):
    # Throttle buckets live in Redis and outlive a test; each test that needs throttling turns it on itself.
    settings.API_THROTTLE_RATE = ""
    # The named users are created for nearly every test; the production hasher would spend most of the run on them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_celery(no_celery):
    """Enqueued tasks are the worker tests' business; here the API and the services it calls are under test."""


def token_client(user) -> APIClient:
    _, key = api_token_create(user=user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def anonymous(db) -> APIClient:
    return APIClient()


@pytest.fixture
def as_alice(alice) -> APIClient:
    """Admin."""
    return token_client(alice)


@pytest.fixture
def as_bob(bob) -> APIClient:
    """Operator."""
    return token_client(bob)


@pytest.fixture
def as_carol(carol) -> APIClient:
    """Viewer."""
    return token_client(carol)


@pytest.fixture
def as_dave(dave) -> APIClient:
    """Outsider: authenticated, no role."""
    return token_client(dave)


@pytest.fixture
def clients(anonymous, as_carol, as_bob, as_alice, as_dave) -> dict[str, APIClient]:
    """Every role's client, for role matrices."""
    return {"anonymous": anonymous, "outsider": as_dave, "viewer": as_carol, "operator": as_bob, "admin": as_alice}


def assert_error(response, status: int, error_type: str | None = None, fields: list[str] | None = None) -> dict:
    """The response is the API's error model with this status (and type, and exactly these field names)."""
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"object", "code", "type", "message", "fields", "request_id"}
    assert body["object"] == "error" and body["code"] == status and body["message"]
    assert body["request_id"] == response["X-Request-ID"]
    if error_type is not None:
        assert body["type"] == error_type, body
    if fields is not None:
        assert sorted(f["name"] for f in body["fields"]) == sorted(fields), body
    return body


@pytest.fixture
def knox(db):
    from tests.factories import VendorAccountFactory
    from vendors.choices import VendorKind

    return VendorAccountFactory(name="Knox EU", kind=VendorKind.KNOX_EFOTA)


@pytest.fixture
def draft(knox):
    """A draft campaign over 20 Knox devices (18 need the update, 2 are of a model without firmware), two waves."""
    from tests.factories import CampaignFactory, CampaignFirmwareFactory, DeviceFactory, FirmwareFactory, FleetFactory

    firmware = FirmwareFactory(account=knox, version="G991BXXU9", models_fitted=["SM-G991B"])
    fleet = FleetFactory(name="phones")
    devices = DeviceFactory.create_batch(18, account=knox, model="SM-G991B", firmware_version="G991BXXU1")
    devices += DeviceFactory.create_batch(2, account=knox, model="SM-A525F", firmware_version="A525FXXU1")
    fleet.members.set(devices)
    campaign = CampaignFactory(name="spring update", fleet=fleet, wave_plan=[{"percent": 50}, {"percent": 100}])
    CampaignFirmwareFactory(campaign=campaign, account=knox, model="SM-G991B", firmware=firmware)
    return campaign
