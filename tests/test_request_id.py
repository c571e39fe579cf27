"""Every response carries an X-Request-ID: a well-formed incoming one is kept, anything else replaced."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_well_formed_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "tool-42-abc"})
    assert response["X-Request-ID"] == "tool-42-abc"


@pytest.mark.parametrize("incoming", ["x" * 33, "bad id with spaces", "<script>"])
def test_a_malformed_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_health_reports_the_database(client):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "postgresql"}
