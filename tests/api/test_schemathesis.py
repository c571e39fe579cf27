"""The whole API against its own OpenAPI schema, with generated inputs (schemathesis): no input makes a 5xx, and
every response (status, content type, headers, body) is one the schema describes.

It runs in-process through Django's WSGI handler, as the admin, on seeded data: half the generated cases aim at
objects that exist (so actions, edits and nested lists run their real code), half at random ids. Vendor calls are
stubbed: the connectors have their own tests, and a random base URL must not make the run wait on the network.
The number of examples per operation is small so the run stays well under a minute.
"""

from __future__ import annotations

import itertools
import time

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campaigns.services import lifecycle
from devices.imports import device_import_create
from fota_portal.services.tokens import api_token_create
from tests.factories import (
    CampaignFactory,
    CampaignFirmwareFactory,
    DeviceFactory,
    FirmwareFactory,
    FleetFactory,
    VendorAccountFactory,
)
from vendors.choices import VendorKind
from vendors.errors import VendorError
from vendors.models import ErrorCatalogEntry

EXAMPLES_PER_OPERATION = 5
# The whole run's time budget; the number of examples keeps it far below this, the check keeps it honest.
BUDGET_SECONDS = 60
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class _UnreachableVendor:
    def __init__(self, account):
        self.account = account

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def test_connection(self) -> None:
        raise VendorError("connection refused", vendor_kind=self.account.kind, transient=True)


@pytest.fixture
def api_schema(db, monkeypatch):
    """The schema as drf-spectacular generates it, bound to the in-process WSGI app."""
    monkeypatch.setattr("vendors.accounts.connector_for", _UnreachableVendor)
    # Django's test client does the same: a request must not close the connection that holds the test transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    generated = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(generated)
    schema.app = WSGIHandler()
    yield schema
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(alice, knox):
    """One of everything, so generated cases can hit objects that exist; returns path parameter → ids."""
    izuma = VendorAccountFactory(name="Izuma", kind=VendorKind.IZUMA_DM, credentials={"api_key": "ak"})
    firmware = FirmwareFactory(account=knox, version="G991BXXU9", models_fitted=["SM-G991B"])
    devices = DeviceFactory.create_batch(6, account=knox, model="SM-G991B", firmware_version="G991BXXU1")
    DeviceFactory(account=izuma, model="K64F")
    fleet = FleetFactory(name="fuzz fleet")
    fleet.members.set(devices)
    draft = CampaignFactory(name="fuzz draft", fleet=fleet)
    CampaignFirmwareFactory(campaign=draft, account=knox, model="SM-G991B", firmware=firmware)
    running = CampaignFactory(name="fuzz running", fleet=fleet)
    CampaignFirmwareFactory(campaign=running, account=knox, model="SM-G991B", firmware=firmware)
    lifecycle.campaign_start(campaign_id=running.pk)
    imported = device_import_create(content="account,external_id,model\nKnox EU,fuzz-1,SM-G991B\n", user=alice)
    spare_token, _ = api_token_create(user=alice, name="may be revoked by the fuzzer")
    _, key = api_token_create(user=alice, name="schemathesis")
    return key, {
        "vendor-accounts": [knox.pk, izuma.pk],
        "errors": [ErrorCatalogEntry.objects.order_by("id").values_list("id", flat=True).first()],
        "devices": [d.pk for d in devices],
        "device-imports": [imported.pk],
        "fleets": [fleet.pk],
        "firmware": [firmware.pk],
        "campaigns": [draft.pk, running.pk],
        "tokens": [spare_token.pk],
    }


def _aim_at_seeded(case, seeded: dict, turn: int) -> None:
    """Every other case, point the path's ids at objects that exist."""
    if not case.path_parameters or turn % 2:
        return
    ids = seeded.get(case.path.removeprefix("/api/v1/").split("/")[0])
    if ids:
        for name in case.path_parameters:
            case.path_parameters[name] = ids[(turn // 2) % len(ids)]


def _run(operation, mode: GenerationMode, key: str, seeded: dict, turns: itertools.count) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case) -> None:
        _aim_at_seeded(case, seeded, next(turns))
        # Each request in a savepoint, as each is its own transaction in production: a refused request must not
        # leave the test's transaction unusable for the next one.
        savepoint = transaction.savepoint()
        response = case.call(headers={"Authorization": f"Bearer {key}"})
        if response.status_code >= 400:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
        case.validate_response(response, checks=CHECKS)

    check()


@pytest.mark.django_db
def test_every_endpoint_answers_every_input_as_its_schema_says(api_schema, seeded, caplog):
    # Driven with hypothesis directly rather than schemathesis' pytest plugin, which does not run on pytest 9.2.
    key, ids = seeded
    started, turns, failures, operations = time.monotonic(), itertools.count(), [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, key, ids, turns)
            except Exception as exc:  # collect every operation's failure, not just the first
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    elapsed = time.monotonic() - started
    print(f"schemathesis: {operations} operations, {next(turns)} cases, {len(failures)} failures, {elapsed:.1f} s")
    assert not failures, "\n\n".join(failures)
    # A value the database refused is answered 400 by the safety net; the validation should have caught it first.
    refused = [r.getMessage() for r in caplog.records if r.name == "fota_portal.api.errors"]
    assert not refused, refused
    assert operations > 40 and elapsed < BUDGET_SECONDS
