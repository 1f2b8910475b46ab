"""The GraphQL twin of the REST contract (issue 17): every root query field, and the
mutations that create something, asked for every field the schema offers a few
levels deep; each ``DateTime`` in the answer ends in ``Z`` (RFC 3339 in UTC, as in
REST) and each ``ID`` is the object's database id as REST writes it, a decimal
string (``"42"``), not a Relay global id. A field the schema adds is asked too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.utils.module_loading import import_string
from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_leaf_type,
)

from tests.contract.world import World
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

DEPTH = 5  # levels of selection below a root field (posts > edges > node > author > id)
PAGE = 2  # `first` on every connection: a few items, within the cost limit
DATABASE_ID = re.compile(r"[1-9][0-9]*")
# The mutations asked, with their arguments (literals) from the world.
MUTATIONS: dict[str, Any] = {
    "createUser": lambda w: {
        "username": '"contract-graph"',
        "email": '"contract-graph@example.org"',
        "password": '"a-fresh-Passphrase-77"',
    },
    "createPost": lambda w: {"content": '"A contract post."'},
    "createComment": lambda w: {"postId": w.objects["post"].pk, "text": '"A reply."'},
    "sharePost": lambda w: {"postId": w.objects["post"].pk},
}


def graphql_schema() -> GraphQLSchema:
    schema: GraphQLSchema = import_string(settings.GRAPHENE["SCHEMA"]).graphql_schema
    return schema


def root_fields() -> list[str]:
    query = graphql_schema().query_type
    assert query is not None
    return [f"Query.{name}" for name in query.fields] + [f"Mutation.{m}" for m in MUTATIONS]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "graphql_field" in metafunc.fixturenames:
        labels = root_fields()
        metafunc.parametrize("graphql_field", labels, ids=labels)


def _required(field: GraphQLField) -> list[str]:
    return [
        name
        for name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    ]


def _arguments(field: GraphQLField, given: dict[str, Any]) -> str:
    values = dict(given)
    if "first" in field.args:
        values.setdefault("first", PAGE)
    return "(" + ", ".join(f"{k}: {v}" for k, v in values.items()) + ")" if values else ""


def selection(kind: GraphQLOutputType, depth: int) -> str:
    """Every field of the type, and of the types below it down to ``depth`` levels,
    but those that need an argument."""
    named = get_named_type(kind)
    if is_leaf_type(named):
        return ""
    assert isinstance(named, GraphQLObjectType), named
    parts = []
    for name, field in named.fields.items():
        if _required(field):
            continue
        if is_leaf_type(get_named_type(field.type)):
            parts.append(name)
        elif depth > 1:
            parts.append(f"{name}{_arguments(field, {})} {selection(field.type, depth - 1)}")
    return "{ " + " ".join(parts or ["__typename"]) + " }"


def values(data: Any, kind: GraphQLOutputType, at: str) -> Iterator[tuple[str, str, Any]]:
    """(path, scalar type name, value) for every scalar in the answer."""
    if data is None:
        return
    if isinstance(kind, GraphQLNonNull):
        yield from values(data, kind.of_type, at)
    elif isinstance(kind, GraphQLList):
        for index, item in enumerate(data):
            yield from values(item, kind.of_type, f"{at}[{index}]")
    elif isinstance(kind, GraphQLObjectType):
        for name, value in data.items():
            if name in kind.fields:
                yield from values(value, kind.fields[name].type, f"{at}.{name}")
    else:
        yield at, get_named_type(kind).name, data


def _literals(world: World, field: GraphQLField) -> dict[str, Any]:
    literals = {}
    for name in _required(field):
        known = world.graphql_values.get(name)
        assert known, f"the world has no value for the argument `{name}`"
        literals[name] = known[0]
    return literals


def test_graphql_datetimes_and_ids(graphql_field: str, world: World):
    root_name, name = graphql_field.split(".")
    schema = graphql_schema()
    root = schema.query_type if root_name == "Query" else schema.mutation_type
    assert root is not None
    field = root.fields[name]
    given = MUTATIONS[name](world) if root_name == "Mutation" else _literals(world, field)
    operation = "query" if root_name == "Query" else "mutation"
    document = f"{operation} {{ {name}{_arguments(field, given)} {selection(field.type, DEPTH)} }}"
    customer = None if name == "createUser" else world.users["customer"]

    response = client_for(customer).post("/graphql/", {"query": document}, format="json")

    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert "errors" not in body, (document, body["errors"])
    found = list(values(body["data"][name], field.type, name))
    datetimes = [(at, v) for at, kind, v in found if kind == "DateTime"]
    ids = [(at, v) for at, kind, v in found if kind == "ID"]
    assert ids, f"{graphql_field}: the answer has no id to check"
    late = [f"{at} = {v!r}" for at, v in datetimes if not str(v).endswith("Z")]
    not_ids = [f"{at} = {v!r}" for at, v in ids if not DATABASE_ID.fullmatch(str(v))]
    assert late == [], f"{graphql_field}: datetimes not in UTC with Z: {late}"
    assert not_ids == [], f"{graphql_field}: ids not database ids: {not_ids}"


def test_a_graphql_id_is_the_rest_id(world: World):
    """``post(id:)`` takes the id REST gives the post, and answers it as it was sent."""
    post = world.objects["post"]
    document = f"{{ post(id: {post.pk}) {{ id author {{ id }} }} }}"

    body = client_for(world.users["customer"]).post("/graphql/", {"query": document}, format="json")

    assert body.json()["data"]["post"] == {
        "id": str(post.pk),
        "author": {"id": str(post.author_id)},
    }
