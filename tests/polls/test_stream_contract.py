"""The results stream keeps the contract of the schema it is documented in
(``/api/schema/``): each event it sends, parsed as an SSE client parses it, is the
object OpenAPI 3.2's ``itemSchema`` describes (``id``, ``event``, ``data``, ``retry``),
valid against the documented ``PollResultsEvent``, its ``data`` against the results
schema; a schema fuzzer that parses ``text/event-stream`` (schemathesis) accepts a whole
stream; datetimes end in ``Z``; an unknown parameter is a 400. On a real uvicorn
(tests/core/live_servers.py): Django buffers a stream whole under WSGI.

The conformance suite (tests/contract) checks every other operation in process."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.utils import timezone
from schemathesis.checks import CHECKS, load_all_checks

from tests.core.live_servers import Server, database_url, start_servers
from tests.helpers.openapi import datetimes, parse_sse, validator
from tests.polls.live import api, bearer, make_poll, make_user, option_ids, poll_path, stream_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

STREAM = "/api/v1/polls/polls/{id}/results/stream/"
ENV = {
    "STREAMS_HEARTBEAT_SECONDS": "1",
    "STREAMS_MIN_INTERVAL_SECONDS": "0.25",
    "STREAMS_SAFETY_POLL_SECONDS": "60",
    "STREAMS_RETRY_MILLISECONDS": "2500",
}


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory) -> Iterator[Server]:
    env = {"DATABASE_URL": f"{database_url()}?application_name=nexus-stream-contract", **ENV}
    starting = contextlib.contextmanager(start_servers)
    with starting(tmp_path_factory.mktemp("stream-contract"), kinds=("uvicorn",), env=env) as up:
        yield up["uvicorn"]


@pytest.fixture(scope="module")
def document(server: Server) -> dict[str, Any]:
    response = api(server).get("/api/schema/?format=json")
    assert response.status_code == 200, response.text
    served: dict[str, Any] = response.json()
    return served


def event_media(document: dict[str, Any]) -> dict[str, Any]:
    media: dict[str, Any] = document["paths"][STREAM]["get"]["responses"]["200"]["content"][
        "text/event-stream"
    ]
    return media


def _read_until(chunks: Iterator[str], text: str, events: int) -> str:
    """Read on until the text holds ``events`` events (or the stream ends)."""
    while len(parse_sse(text)) < events:
        chunk = next(chunks, None)
        if chunk is None:
            break
        text += chunk
    return text


def stream_text(server: Server, owner: Any) -> str:
    """A poll's whole stream: its snapshot, a vote pushed, the close and the end."""
    poll = make_poll(owner, closes_at=timezone.now() + timedelta(hours=1))
    with (
        api(server) as client,
        client.stream("GET", stream_path(poll.pk)) as response,
    ):
        assert response.status_code == 200, response.read()
        chunks = response.iter_text()
        text = _read_until(chunks, "", 1)
        voted = api(server).post(
            poll_path(poll.pk, "vote/"),
            json={"option": option_ids(poll)[0]},
            headers=bearer(make_user()),
        )
        assert voted.status_code == 201, voted.text
        text = _read_until(chunks, text, 2)
        closed = api(server).post(poll_path(poll.pk, "close/"), headers=bearer(owner))
        assert closed.status_code == 200, closed.text
        return text + "".join(chunks)  # the stream ends after the final event


def deleted_text(server: Server, owner: Any) -> str:
    poll = make_poll(owner)
    with (
        api(server) as client,
        client.stream("GET", stream_path(poll.pk)) as response,
    ):
        chunks = response.iter_text()
        text = _read_until(chunks, "", 1)
        gone = api(server).delete(poll_path(poll.pk), headers=bearer(owner))
        assert gone.status_code == 204, gone.text
        return text + "".join(chunks)


def test_the_stream_documents_one_event(document):
    media = event_media(document)
    event = document["components"]["schemas"]["PollResultsEvent"]

    assert media["schema"] == {"$ref": "#/components/schemas/PollResultsEvent"}
    assert media["x-itemSchema"] == media["schema"]  # OpenAPI 3.2's name, for the move
    assert set(event["properties"]) == {"id", "event", "data", "retry"}
    assert event["properties"]["event"]["enum"] == ["message", "final", "deleted"]


def test_every_event_of_a_stream_is_valid_against_the_documented_event(server, document):
    owner = make_user()
    events = parse_sse(stream_text(server, owner)) + parse_sse(deleted_text(server, owner))
    schema = document["components"]["schemas"]["PollResultsEvent"]
    check = validator(document, event_media(document)["schema"])
    data = validator(document, schema["properties"]["data"]["contentSchema"])

    assert [e["event"] for e in events] == ["message", "message", "final", "message", "deleted"]
    for event in events:
        assert [error.message for error in check.iter_errors(event)] == [], event
        payload = json.loads(event["data"])
        assert [error.message for error in data.iter_errors(payload)] == [], payload
    late = [value for event in events for _, value in datetimes(json.loads(event["data"]))]
    assert late, "a poll that closes at a set time has a datetime in its results"
    assert [value for value in late if not value.endswith("Z")] == []


def test_a_schema_fuzzer_that_parses_event_streams_accepts_the_stream(server):
    """schemathesis' response checks over a whole stream (a closed poll's: its final
    event, then the end), as its fuzzing of ``/api/schema/`` would run them."""
    owner = make_user()
    poll = make_poll(owner)
    assert api(server).post(poll_path(poll.pk, "close/"), headers=bearer(owner)).status_code == 200
    base = f"http://127.0.0.1:{server.port}"
    schema = schemathesis.openapi.from_url(f"{base}/api/schema/?format=json")
    operation = schema.find_operation_by_label(f"GET {STREAM}")
    assert operation is not None
    case = operation.Case(path_parameters={"id": poll.pk})
    load_all_checks()
    checks = list(
        CHECKS.get_by_names(
            ["response_schema_conformance", "content_type_conformance", "status_code_conformance"]
        )
    )

    response = case.call(base_url=base, timeout=10)

    assert response.status_code == 200
    assert len(parse_sse(response.text)) == 1
    case.validate_response(response, checks=checks)  # raises on any failure


def test_an_unknown_parameter_on_the_stream_is_refused(server):
    poll = make_poll(make_user())

    with (
        api(server) as client,
        client.stream("GET", stream_path(poll.pk) + "?nexus_unknown=1") as response,
    ):
        status, content_type = response.status_code, response.headers["content-type"]
        body = response.read() if status != 200 else b"(the stream)"

    assert status == 400, body[:300]
    assert content_type == "application/problem+json"
    errors = json.loads(body)["errors"]
    assert [e["code"] for e in errors["nexus_unknown"]] == ["unknown_parameter"]
    assert "ticket" in json.dumps(errors["nexus_unknown"])
