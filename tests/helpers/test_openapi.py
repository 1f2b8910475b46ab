"""The OpenAPI helpers read what they claim: datetimes with any offset (so a rule on
``Z`` can fail), Server-Sent Events as a browser parses them, and schemas as JSON
Schema 2020-12 with references into the document."""

from __future__ import annotations

from tests.helpers.openapi import Operation, datetimes, operations, parse_sse, resolve, validator

DOCUMENT = {
    "paths": {
        "/things/": {
            "get": {
                "parameters": [{"name": "state", "in": "query"}, {"name": "id", "in": "path"}],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        }
                    }
                },
            },
            "parameters": [],
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "properties": {"at": {"type": ["string", "null"]}, "state": {"$ref": "#/x"}},
                "required": ["at"],
            }
        }
    },
    "x": {"enum": ["open"]},
}


def test_operations_and_their_schemas():
    [operation] = operations(DOCUMENT)

    assert operation.label == "GET /things/"
    assert [p["name"] for p in operation.query_parameters()] == ["state"]
    assert operation.success_schema(DOCUMENT) == DOCUMENT["components"]["schemas"]["Thing"]
    assert resolve(DOCUMENT, {"allOf": [{"$ref": "#/x"}], "description": "d"}) == {
        "enum": ["open"],
        "description": "d",
    }
    assert isinstance(operation, Operation)


def test_a_validator_reads_type_arrays_and_references():
    check = validator(DOCUMENT, {"$ref": "#/components/schemas/Thing"})

    assert list(check.iter_errors({"at": None, "state": "open"})) == []
    assert [e.message for e in check.iter_errors({"at": 1, "state": "shut"})] == [
        "1 is not of type 'string', 'null'",
        "'shut' is not one of ['open']",
    ]


def test_datetimes_are_found_whatever_their_offset():
    body = {
        "a": "2026-01-02T03:04:05Z",
        "b": [{"c": "2026-01-02T03:04:05.123456+00:00"}],
        "d": "2026-01-02",
        "e": "not 2026-01-02T03:04:05Z",
        "f": "2026-01-02T03:04",
    }

    assert list(datetimes(body)) == [
        ("$.a", "2026-01-02T03:04:05Z"),
        ("$.b[0].c", "2026-01-02T03:04:05.123456+00:00"),
        ("$.f", "2026-01-02T03:04"),
    ]


def test_server_sent_events_parse_as_a_browser_parses_them():
    text = (
        "retry: 2500\n: open\n\n"
        'id: 7\ndata: {"a":\ndata: 1}\n\n'
        ": keepalive\n\n"
        "event: final\ndata: {}\nretry: x\n\n"
        "event: deleted\r\ndata: {}\r\n"
    )

    assert parse_sse(text) == [
        {"data": '{"a":\n1}', "event": "message", "id": "7"},
        {"data": "{}", "event": "final", "id": "7"},
        {"data": "{}", "event": "deleted", "id": "7"},
    ]
