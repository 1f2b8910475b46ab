"""The small rules every context shares through ``core.http``: opaque cursors, unknown
query parameters, wire timestamps, field errors and the domain index's routes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.test import RequestFactory

from core.http import cursors
from core.http.links import absolute_url, link
from core.http.query import operation_key, parameters_by_operation, unknown_parameter_errors
from core.http.timestamps import iso_utc
from core.http.validation import field_error, fields_renamed


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


def test_unknown_query_parameters_are_errors_naming_them_and_the_allowed_ones():
    errors = unknown_parameter_errors(["state", "q", "format"], {"q", "status"})

    assert errors == {
        "state": [{"message": "Unknown parameter; use: q, status.", "code": "unknown_parameter"}]
    }


def test_known_query_parameters_and_format_pass():
    assert unknown_parameter_errors(["q", "format"], {"q"}) == {}


def test_an_operation_without_parameters_says_it_takes_none():
    errors = unknown_parameter_errors(["x"], set())

    assert errors["x"][0]["message"] == "This operation takes no parameters."


def test_a_route_and_its_openapi_path_are_one_operation():
    schema = {
        "paths": {
            "/api/v1/polls/polls/{id}/": {
                "get": {"responses": {}, "parameters": [{"name": "id", "in": "path"}]},
                "parameters": [],
            },
            "/api/v1/polls/polls/": {
                "get": {
                    "responses": {},
                    "parameters": [
                        {"name": "state", "in": "query"},
                        {"name": "status", "in": "query", "deprecated": True},
                        {"name": "Idempotency-Key", "in": "header"},
                    ],
                }
            },
        }
    }

    table = parameters_by_operation(schema)

    assert table == {
        (operation_key("api/v1/polls/polls/<id:pk>/"), "GET"): frozenset(),
        (operation_key("api/v1/polls/polls/"), "GET"): {"state", "status"},
    }


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
    assert body["docs"] == f"http://testserver/api/docs/#/{domain}"
    assert body["graphql"] in (None, "http://testserver/graphql/")


def test_a_link_is_absolute_on_the_host_asked_with_its_query():
    request = RequestFactory().get("/", HTTP_HOST="testserver:8443", secure=True)

    assert link(request, "polls:results-stream", 7, query={"ticket": "a:b c"}) == (
        "https://testserver:8443/api/v1/polls/polls/7/results/stream/?ticket=a:b+c"
    )
    assert absolute_url(request, "/api/docs/") == "https://testserver:8443/api/docs/"


def test_field_errors_come_out_under_the_names_the_client_sent():
    with pytest.raises(DjangoValidationError) as raised, fields_renamed({"options": "option"}):
        raise DjangoValidationError(
            {
                "options": [DjangoValidationError("Not an option.", code="invalid_choice")],
                "options.0": [DjangoValidationError("Bad.", code="invalid")],
                "question": [DjangoValidationError("Blank.", code="blank")],
            }
        )

    codes = {field: [e.code for e in errors] for field, errors in raised.value.error_dict.items()}
    assert codes == {
        "option": ["invalid_choice"],
        "option.0": ["invalid"],
        "question": ["blank"],
    }


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
