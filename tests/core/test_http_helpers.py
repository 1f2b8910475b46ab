"""The small rules every context shares through ``core.http``: opaque cursors, unknown
query parameters, wire timestamps, field errors and the domain index's routes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError

from core.http import cursors
from core.http.query import reject_unknown_parameters
from core.http.timestamps import iso_utc
from core.http.validation import field_error


def test_a_cursor_round_trips_its_payload_and_is_url_safe():
    payload = {"v": "Ærø ü/+?", "i": 2**62, "o": "-name"}

    token = cursors.encode(payload)

    assert cursors.decode(token) == payload
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(
    "token",
    ["!!!", "bm90IGpzb24", cursors.encode({"v": 1})[:-3] + "%%%", "W10", "x" * 5000, "é"],
)
def test_anything_not_made_by_encode_is_an_invalid_cursor(token):
    with pytest.raises(cursors.InvalidCursor):
        cursors.decode(token)


def test_unknown_query_parameters_are_a_400_naming_them_and_the_allowed_ones():
    with pytest.raises(ValidationError) as refused:
        reject_unknown_parameters(["state", "q", "format"], {"q", "status"})

    assert refused.value.get_codes() == {"state": ["unknown_parameter"]}
    assert str(refused.value.detail["state"][0]) == "Unknown parameter; use: q, status."


def test_known_query_parameters_and_format_pass():
    reject_unknown_parameters(["q", "format"], {"q"})


def test_timestamps_are_utc_with_a_z_as_drf_writes_them():
    moment = datetime(2026, 12, 7, 13, 0, 5, 250, tzinfo=timezone(timedelta(hours=2)))

    assert iso_utc(moment) == "2026-12-07T11:00:05.000250Z"
    assert iso_utc(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    assert iso_utc(None) is None


def test_a_field_error_carries_its_field_message_and_code():
    error = field_error("email", "Taken.", "unique")

    assert isinstance(error, DjangoValidationError)
    assert {field: [e.code for e in errors] for field, errors in error.error_dict.items()} == {
        "email": ["unique"]
    }
    assert error.message_dict == {"email": ["Taken."]}


@pytest.mark.django_db
@pytest.mark.parametrize("domain", ["shop", "social", "movies", "jobs", "polls"])
def test_every_domain_index_lists_its_resources_but_not_itself(client, domain):
    body = client.get(f"/api/v1/{domain}/").json()

    assert body["domain"] == domain
    assert body["resources"]
    assert "index" not in body["resources"]
    assert all(
        url.startswith(f"http://testserver/api/v1/{domain}/") for url in body["resources"].values()
    )


def test_every_domain_describes_itself_with_a_typed_manifest():
    from django.apps import apps

    from core.http.manifest import DomainManifest, domain_manifest

    manifests = {
        config.label: domain_manifest(config)
        for config in apps.get_app_configs()
        if domain_manifest(config) is not None
    }

    assert set(manifests) == {"shop", "social", "movies", "jobs", "polls"}
    assert all(isinstance(m, DomainManifest) and m.summary for m in manifests.values())


def test_a_manifest_that_is_not_a_domain_manifest_is_refused_loudly():
    from types import SimpleNamespace

    from core.http.manifest import domain_manifest

    with pytest.raises(TypeError, match=r"shop\.nexus_domain must be a DomainManifest"):
        domain_manifest(SimpleNamespace(label="shop", nexus_domain={"summary": "a dict"}))
