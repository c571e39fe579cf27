"""The conventions every endpoint shares: tokens, roles, the error model, request ids, paging, filters, throttling,
and the schema and docs."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import timezone

from fota_portal.models import APIToken
from tests.api.conftest import assert_error
from tests.factories import DeviceFactory, VendorAccountFactory
from vendors.choices import VendorKind

pytestmark = pytest.mark.django_db


# --- authentication ---------------------------------------------------------------------------------------------


def test_a_request_without_credentials_is_refused_with_401_and_the_error_model(anonymous):
    response = anonymous.get("/api/v1/devices/")
    body = assert_error(response, 401, "invalid_auth")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert body["fields"] == []


def test_an_unknown_token_is_refused_as_an_invalid_token(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer fp_00000000_not-a-real-token")
    assert_error(anonymous.get("/api/v1/devices/"), 401, "invalid_token")


def test_a_revoked_token_no_longer_works(as_carol):
    assert as_carol.get("/api/v1/devices/").status_code == 200
    APIToken.objects.update(revoked_at=timezone.now())
    assert_error(as_carol.get("/api/v1/devices/"), 401, "invalid_token")


def test_a_token_records_when_it_was_last_used(as_carol):
    as_carol.get("/api/v1/devices/")
    assert APIToken.objects.get().last_used_at is not None


def test_a_browser_session_works_too(client, carol):
    client.force_login(carol)
    assert client.get("/api/v1/devices/").status_code == 200


def test_a_user_without_a_role_is_refused_with_403_naming_the_role_needed(as_dave):
    body = assert_error(as_dave.get("/api/v1/devices/"), 403, "access_denied")
    assert "viewer role" in body["message"]


def test_a_viewer_is_refused_writes_with_403(as_carol):
    body = assert_error(as_carol.post("/api/v1/fleets/", {"name": "x"}, format="json"), 403, "access_denied")
    assert "operator role" in body["message"] and "viewer" in body["message"]


# --- the error model and request ids ----------------------------------------------------------------------------


def test_an_unknown_api_url_answers_404_in_the_error_model(as_carol):
    assert_error(as_carol.get("/api/v1/no-such-thing/"), 404, "unrecognized_request")
    body = assert_error(as_carol.get("/api/v1/devices"), 404, "unrecognized_request")
    assert "end with a slash" in body["message"]


def test_an_unknown_object_answers_404_in_the_error_model(as_carol):
    assert_error(as_carol.get("/api/v1/devices/999999999/"), 404, "not_found")
    assert_error(as_carol.get("/api/v1/devices/99999999999999999999999/"), 404, "not_found")


def test_an_unsupported_method_answers_405_in_the_error_model(as_alice):
    assert_error(as_alice.delete("/api/v1/devices/"), 405, "method_not_supported")


def test_malformed_json_is_a_400_not_a_500(as_bob):
    response = as_bob.post("/api/v1/fleets/", "{not json", content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_an_unsupported_body_type_is_a_415(as_bob):
    response = as_bob.post("/api/v1/fleets/", "name=x", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_the_error_carries_the_incoming_request_id(as_carol):
    response = as_carol.get("/api/v1/devices/1/", HTTP_X_REQUEST_ID="tool-run-7")
    body = assert_error(response, 404)
    assert response["X-Request-ID"] == "tool-run-7" and body["request_id"] == "tool-run-7"


def test_validation_errors_name_every_bad_field(as_bob):
    body = assert_error(
        as_bob.post("/api/v1/firmware/", {"version": "", "account": "x"}, format="json"), 400, "validation_error",
        fields=["account", "version", "vendor_ref"],
    )
    assert "3 fields are invalid" in body["message"]


def test_nested_validation_errors_are_named_by_their_path(as_bob):
    body = assert_error(
        as_bob.post("/api/v1/campaigns/", {"name": "c", "firmware_map": [{"account": 1, "model": "", "firmware": 1}]},
                    format="json"),
        400, "validation_error",
    )
    names = {f["name"] for f in body["fields"]}
    assert {"firmware_map[0].model", "firmware_map[0].account", "firmware_map[0].firmware"} <= names


# --- paging -----------------------------------------------------------------------------------------------------


@pytest.fixture
def devices(db):
    account = VendorAccountFactory(kind=VendorKind.IZUMA_DM, credentials={"api_key": "k"})
    return DeviceFactory.create_batch(7, account=account)


def test_a_list_is_paged_to_the_end_with_after(as_carol, devices):
    seen, after, pages = [], None, 0
    while True:
        query = {"limit": 3, **({"after": after} if after else {})}
        body = as_carol.get("/api/v1/devices/", query).json()
        assert body["object"] == "list" and body["limit"] == 3 and body["order"] == "ASC" and body["after"] == after
        assert "total_count" not in body
        seen += [row["id"] for row in body["data"]]
        pages += 1
        if not body["has_more"]:
            break
        after = body["data"][-1]["id"]
    assert seen == sorted(d.pk for d in devices) and pages == 3


def test_a_list_pages_newest_first_with_order_desc_and_counts_on_request(as_carol, devices):
    body = as_carol.get("/api/v1/devices/", {"order": "DESC", "limit": 2, "include": "total_count"}).json()
    assert [row["id"] for row in body["data"]] == sorted((d.pk for d in devices), reverse=True)[:2]
    assert body["total_count"] == 7 and body["has_more"] is True
    rest = as_carol.get("/api/v1/devices/", {"order": "DESC", "limit": 10, "after": body["data"][-1]["id"]}).json()
    assert len(rest["data"]) == 5 and rest["has_more"] is False


def test_the_default_page_is_50_rows(as_carol, devices):
    assert as_carol.get("/api/v1/devices/").json()["limit"] == 50


@pytest.mark.parametrize("query, field", [
    ({"limit": 1}, "limit"), ({"limit": 1001}, "limit"), ({"limit": "ten"}, "limit"), ({"after": -1}, "after"),
    ({"after": 2**64}, "after"), ({"order": "sideways"}, "order"), ({"include": "everything"}, "include"),
])
def test_bad_paging_parameters_are_refused_naming_them(as_carol, query, field):
    assert_error(as_carol.get("/api/v1/devices/", query), 400, "validation_error", fields=[field])


# --- filters ----------------------------------------------------------------------------------------------------


@pytest.fixture
def mixed_devices(db):
    account = VendorAccountFactory(kind=VendorKind.IZUMA_DM, credentials={"api_key": "k"})
    return {
        "a": DeviceFactory(account=account, model="A", firmware_version="1"),
        "b": DeviceFactory(account=account, model="B", firmware_version="2"),
        "c": DeviceFactory(account=account, model="C", firmware_version="3"),
    }


@pytest.mark.parametrize("query, expected", [
    ({"model__eq": "A"}, "a"),
    ({"model__neq": "A"}, "bc"),
    ({"model__in": "A,C"}, "ac"),
    ({"model__nin": "A,C"}, "b"),
])
def test_each_set_filter_suffix_selects_its_rows(as_carol, mixed_devices, query, expected):
    ids = [row["id"] for row in as_carol.get("/api/v1/devices/", query).json()["data"]]
    assert ids == [mixed_devices[name].pk for name in expected]


def test_lte_and_gte_bound_numbers_and_dates(as_carol, mixed_devices):
    a, b, c = (mixed_devices[name].pk for name in "abc")
    assert [r["id"] for r in as_carol.get("/api/v1/devices/", {"id__gte": b}).json()["data"]] == [b, c]
    assert [r["id"] for r in as_carol.get("/api/v1/devices/", {"id__lte": b}).json()["data"]] == [a, b]
    since = mixed_devices["b"].created_at.isoformat()
    assert [r["id"] for r in as_carol.get("/api/v1/devices/", {"created_at__gte": since}).json()["data"]] == [b, c]


def test_an_unknown_filter_is_refused_naming_it(as_carol):
    body = assert_error(as_carol.get("/api/v1/devices/", {"colour__eq": "red", "model__like": "A"}), 400,
                        "validation_error", fields=["colour__eq", "model__like"])
    assert "model" in body["fields"][0]["message"]


@pytest.mark.parametrize("query, field", [
    ({"id__eq": "abc"}, "id__eq"), ({"id__gte": str(2**70)}, "id__gte"),
    ({"created_at__lte": "yesterday"}, "created_at__lte"), ({"model__eq": "a\x00b"}, "model__eq"),
])
def test_a_filter_value_of_the_wrong_type_is_a_400_naming_it(as_carol, query, field):
    assert_error(as_carol.get("/api/v1/devices/", query), 400, "validation_error", fields=[field])


def test_a_choice_filter_refuses_values_outside_its_choices(as_carol):
    assert_error(as_carol.get("/api/v1/campaigns/", {"state__eq": "exploded"}), 400, fields=["state__eq"])


# --- throttling -------------------------------------------------------------------------------------------------


def test_a_token_over_its_rate_is_throttled_with_429_and_retry_after(as_carol, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    token = APIToken.objects.get()
    cache.delete(f"api-throttle:token:{token.pk}")
    statuses = [as_carol.get("/api/v1/devices/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = as_carol.get("/api/v1/devices/")
    assert_error(response, 429, "too_many_requests")
    assert int(response["Retry-After"]) > 0
    cache.delete(f"api-throttle:token:{token.pk}")


def test_each_token_has_its_own_bucket(as_carol, as_bob, settings):
    settings.API_THROTTLE_RATE = "2/minute"
    for token in APIToken.objects.all():
        cache.delete(f"api-throttle:token:{token.pk}")
    assert [as_carol.get("/api/v1/devices/").status_code for _ in range(3)] == [200, 200, 429]
    assert as_bob.get("/api/v1/devices/").status_code == 200
    for token in APIToken.objects.all():
        cache.delete(f"api-throttle:token:{token.pk}")


# --- schema and docs --------------------------------------------------------------------------------------------


def test_the_schema_describes_every_endpoint_with_its_errors(as_carol):
    assert as_carol.get("/api/v1/schema/")["Content-Type"].startswith("application/vnd.oai.openapi")
    schema = as_carol.get("/api/v1/schema/", {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/campaigns/{id}/start/"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "422", "429"} <= set(operation["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    assert "X-Request-ID" in operation["responses"]["200"]["headers"]
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


def test_the_schema_and_docs_need_a_role(anonymous):
    assert_error(anonymous.get("/api/v1/schema/"), 401)


def test_the_interactive_docs_are_served_without_a_cdn(client, carol):
    client.force_login(carol)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html
