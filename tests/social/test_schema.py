"""The committed SDL (schema.graphql at the repository root) is the schema the code
serves, every type, field and argument has a description, and the cost limit
applies to the social connections."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
)

from config.schema import schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
REGENERATE = (
    "DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python manage.py graphql_schema "
    "--schema config.schema.schema --out schema.graphql"
)


def test_the_committed_sdl_matches_the_code():
    committed = SDL.read_text()
    current = str(schema).rstrip("\n") + "\n"
    if committed.rstrip("\n") != current.rstrip("\n"):
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                current.splitlines(keepends=True),
                "schema.graphql (committed)",
                "schema (code)",
            )
        )
        pytest.fail(f"schema.graphql is out of date; regenerate with:\n  {REGENERATE}\n\n{diff}")


def test_every_social_type_field_and_argument_is_described():
    missing = []
    for name, type_ in schema.graphql_schema.type_map.items():
        if name.startswith("__") or isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            continue
        if not type_.description:
            missing.append(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
    assert missing == []


@pytest.mark.django_db
def test_nested_pages_over_the_cost_limit_are_refused_before_running(client):
    document = (
        "{ feed(first: 100) { edges { node { comments(first: 100) { edges { node { "
        "author { username posts(first: 100) { edges { node { id } } } } } } } } } } }"
    )

    response = client.post("/graphql/", {"query": document}, content_type="application/json")

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "query_too_complex"
    assert "estimated cost" in error["message"]


@pytest.mark.django_db
def test_a_page_over_the_page_size_cap_is_bad_user_input(client, user):
    from tests.social.factories import graphql

    body = graphql(client, "{ posts(first: 101) { edges { node { id } } } }", user=user)

    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "first"}
