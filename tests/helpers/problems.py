"""Assertions on RFC 9457 problem responses, the shape of every API error."""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"


def assert_problem(response, status: int, code: str) -> dict[str, Any]:
    """A problem-details response with this status and code, whose type is its page
    (``/problems/<code>/``); returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_JSON, response.content
    body = response.json()
    assert body["status"] == status, body
    assert body["code"] == code, body
    assert body["type"] == f"/problems/{code}/", body
    return body


def assert_invalid(response, *params: str) -> dict[str, Any]:
    """A 400 validation problem whose ``errors`` name exactly these parameters (an error
    about a list as a whole may be keyed ``<param>.non_field_errors``)."""
    body = assert_problem(response, 400, "validation_error")
    named = sorted(key.removesuffix(".non_field_errors") for key in body["errors"])
    assert named == sorted(params), body
    return body
