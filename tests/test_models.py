"""The domain model: uniqueness, constraints, encrypted credentials and vendor defaults."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from campaigns.choices import CAMPAIGN_STATE_COLORS, DEVICE_STATE_COLORS, CampaignState, DeviceState
from campaigns.models import Assignment
from tests.factories import AssignmentFactory, CampaignFactory, DeviceFactory, VendorAccountFactory
from vendors.choices import VendorKind
from vendors.crypto import CredentialsUnreadable
from vendors.models import VendorAccount

pytestmark = pytest.mark.django_db


def test_a_device_id_is_unique_within_one_vendor_account():
    device = DeviceFactory(external_id="356938035643809")
    DeviceFactory(external_id="356938035643809")  # the same IMEI under another account is another row
    with pytest.raises(IntegrityError), transaction.atomic():
        DeviceFactory(account=device.account, external_id="356938035643809")


def test_a_device_is_assigned_at_most_once_per_campaign():
    assignment = AssignmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            campaign=assignment.campaign, device=assignment.device, account=assignment.account
        )


def test_a_schedule_must_end_after_it_starts():
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignFactory(schedule_start=start, schedule_end=start - dt.timedelta(hours=1))


def test_an_unknown_campaign_state_is_refused_by_the_database():
    campaign = CampaignFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(campaign).objects.filter(pk=campaign.pk).update(state="exploded")


def test_gate_percentages_cannot_exceed_100():
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignFactory(gate_success_percent=101)


def test_every_state_has_one_colour():
    assert set(CAMPAIGN_STATE_COLORS) == set(CampaignState)
    assert set(DEVICE_STATE_COLORS) == set(DeviceState)


def test_credentials_are_encrypted_at_rest():
    account = VendorAccountFactory(credentials={"client_id": "knox-client", "client_secret": "hunter2-very-secret"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials_encrypted FROM vendors_vendoraccount WHERE id = %s", [account.pk])
        stored = cursor.fetchone()[0]
    assert "hunter2-very-secret" not in stored and "knox-client" not in stored
    assert VendorAccount.objects.get(pk=account.pk).credentials["client_secret"] == "hunter2-very-secret"


def test_credentials_saved_with_another_key_are_reported_as_unreadable():
    account = VendorAccountFactory(credentials={"api_key": "ak_1"})
    other_key = "q6Yg0gmE1hN8gXSOB0tN2fC4GZ0c3bQ3TwQOa8dm6Ts="
    with override_settings(FOTA_CREDENTIALS_KEYS=[other_key]):
        with pytest.raises(CredentialsUnreadable, match="enter the credentials again"):
            VendorAccount.objects.get(pk=account.pk).credentials


def test_a_rotated_key_still_reads_credentials_saved_with_the_old_one():
    old_key, new_key = "q6Yg0gmE1hN8gXSOB0tN2fC4GZ0c3bQ3TwQOa8dm6Ts=", "Jm8wVxGZ3Pn1m6ycWkqv3OSYlQ4lTTUUIyd2qFYI5yE="
    with override_settings(FOTA_CREDENTIALS_KEYS=[old_key]):
        account = VendorAccountFactory(credentials={"api_key": "ak_rotate"})
    with override_settings(FOTA_CREDENTIALS_KEYS=[new_key, old_key]):
        assert VendorAccount.objects.get(pk=account.pk).credentials == {"api_key": "ak_rotate"}


@pytest.mark.parametrize(
    "kind, calls, period",
    [(VendorKind.KNOX_EFOTA, 25, 1), (VendorKind.HUAWEI_IODM, 100, 60)],
)
def test_a_new_account_gets_its_vendors_documented_rate_limit(kind, calls, period):
    account = VendorAccountFactory(kind=kind)
    assert (account.rate_limit_calls, account.rate_limit_period_seconds) == (calls, period)
