"""How the conformance suite calls an operation as someone allowed to: requests
(``Call``), the identities and ids to try, and the bodies a write needs.

An operation is *reached* by the first of its attempts that answers 2xx. Attempts go
round the identities (``IDENTITIES``, owners of the world's objects first) and the ids
that exist under the operation's collection (``World.path_ids``); the body of a write
comes from ``BODIES`` or, for an operation this module does not know yet, from its
request schema's required properties (``sample_body``). An operation none of whose
attempts succeeds fails every rule, naming itself and what each attempt answered."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse

from tests.contract.world import World
from tests.helpers import client_for
from tests.helpers.openapi import Operation, resolve

# Who may call an operation, tried in this order: the owners of the world's objects
# first, anonymous last (an anonymous list is often a smaller one).
IDENTITIES = ("customer", "candidate", "employer", "moderator", "staff", "anonymous")
NEW_PASSWORD = "a-fresh-Passphrase-77"
_PARAMETER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Call:
    identity: str
    method: str
    path: str
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def with_query(self, **extra: str) -> Call:
        return Call(
            self.identity, self.method, self.path, self.body, self.headers, {**self.query, **extra}
        )

    def describe(self) -> str:
        return f"{self.method} {self.url} as {self.identity}"

    @property
    def url(self) -> str:
        return self.path + (f"?{urlencode(self.query)}" if self.query else "")


def send(world: World, call: Call) -> HttpResponse:
    """The call through Django's test client, in the test's transaction, with the
    identity's real bearer token."""
    user = None if call.identity == "anonymous" else world.users[call.identity]
    client = client_for(user)
    headers = {
        f"HTTP_{name.upper().replace('-', '_')}": value for name, value in call.headers.items()
    }
    if call.body is None:
        return client.generic(call.method, call.url, **headers)
    data = call.body if isinstance(call.body, bytes) else json.dumps(call.body).encode()
    return client.generic(call.method, call.url, data, content_type="application/json", **headers)


def drain(response: HttpResponse) -> bytes:
    """The body of a streamed response (a file), read through the test client's wrapper:
    closing it directly would close the test's database connection too (Django's
    ``request_finished`` signal)."""
    if not response.streaming:
        return response.content
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]  # streaming


def follow(world: World, identity: str, link: str) -> HttpResponse:
    """GET an absolute link the API returned (``http://testserver/...``)."""
    path = link.removeprefix("http://testserver")
    user = None if identity == "anonymous" else world.users[identity]
    return client_for(user).get(path)


# --- bodies ------------------------------------------------------------------------------


def _refresh(world: World) -> dict[str, str]:
    from rest_framework_simplejwt.tokens import RefreshToken

    return {"refresh": str(RefreshToken.for_user(world.users["customer"]))}


def _webhook(world: World) -> tuple[bytes, dict[str, str]]:
    from tests.shop.factories import payment_event, signed

    body, signature = signed(payment_event(world.objects["order"], event_id="evt_contract"))
    return body, {"Nexus-Signature": signature}


def _password(world: World) -> dict[str, str]:
    from tests.core.factories import PASSWORD

    return {"old_password": PASSWORD, "new_password": NEW_PASSWORD}


def _token(world: World) -> dict[str, str]:
    from tests.core.factories import PASSWORD

    return {"username": world.users["customer"].username, "password": PASSWORD}


def _order(world: World) -> dict[str, Any]:
    product = world.objects["product"].pk
    return {"items": [{"product": product, "quantity": 1}], "shipping_address": "1 Main St"}


def _product(world: World) -> dict[str, Any]:
    return {
        "category": world.objects["category"].slug,
        "name": "Conformance Lamp",
        "slug": "conformance-lamp",
        "sku": "CONF-1",
        "price": "12.50",
    }


_V1 = "/api/v1"
BODIES: dict[str, Callable[[World], Any]] = {
    f"PATCH {_V1}/auth/me/": lambda w: {"first_name": "Ada"},
    f"POST {_V1}/auth/password/change/": _password,
    f"POST {_V1}/auth/register/": lambda w: {
        "username": "contract-newcomer",
        "email": "contract-newcomer@example.org",
        "password": NEW_PASSWORD,
    },
    f"POST {_V1}/auth/token/": _token,
    f"POST {_V1}/auth/token/blacklist/": _refresh,
    f"POST {_V1}/auth/token/refresh/": _refresh,
    f"POST {_V1}/jobs/applications/{{id}}/transition/": lambda w: {"status": "in_review"},
    f"POST {_V1}/jobs/applications/{{id}}/withdraw/": lambda w: {"reason": "Found a job."},
    f"POST {_V1}/jobs/companies/": lambda w: {"name": "Contract Co"},
    f"PATCH {_V1}/jobs/companies/{{id}}/": lambda w: {"description": "We make contracts."},
    f"POST {_V1}/jobs/companies/{{id}}/members/": lambda w: {"user": w.objects["recruiter"].pk},
    f"POST {_V1}/jobs/jobs/": lambda w: {
        "company": w.objects["company"].pk,
        "title": "Contract engineer",
        "description": "Keeps promises.",
    },
    f"PATCH {_V1}/jobs/jobs/{{id}}/": lambda w: {"title": "Senior contract engineer"},
    f"POST {_V1}/jobs/jobs/{{id}}/apply/": lambda w: {"cover_letter": "Hello."},
    f"POST {_V1}/jobs/jobs/{{id}}/reject/": lambda w: {"reason": "Not a job."},
    f"POST {_V1}/jobs/saved-searches/": lambda w: {"name": "Contract", "query": "contract"},
    f"POST {_V1}/movies/favorites/": lambda w: {"movie": w.objects["other_movie"].pk},
    f"PUT {_V1}/movies/preferences/": lambda w: {
        "favorite_genres": ["drama"],
        "disliked_genres": [],
    },
    f"POST {_V1}/movies/ratings/": lambda w: {"movie": w.objects["movie"].pk, "score": "4.5"},
    f"POST {_V1}/polls/polls/": lambda w: {
        "question": "Tea or coffee?",
        "options": ["Tea", "Coffee"],
    },
    f"PATCH {_V1}/polls/polls/{{id}}/": lambda w: {"description": "Be honest."},
    f"POST {_V1}/polls/polls/{{id}}/vote/": lambda w: {"option": w.objects["options"][1]},
    f"POST {_V1}/shop/cart/checkout/": lambda w: {"shipping_address": "1 Main St"},
    f"POST {_V1}/shop/cart/items/": lambda w: {
        "product": w.objects["second_product"].pk,
        "quantity": 1,
    },
    f"PATCH {_V1}/shop/cart/items/{{id}}/": lambda w: {"quantity": 2},
    f"POST {_V1}/shop/categories/": lambda w: {"name": "Contract", "slug": "contract"},
    f"PATCH {_V1}/shop/categories/{{slug}}/": lambda w: {"description": "Things."},
    f"POST {_V1}/shop/orders/": _order,
    f"POST {_V1}/shop/orders/{{id}}/transition/": lambda w: {"status": "paid"},
    f"POST {_V1}/shop/products/": _product,
    f"PATCH {_V1}/shop/products/{{id}}/": lambda w: {"name": "Renamed lamp"},
    f"POST {_V1}/social/posts/": lambda w: {"content": "A contract post."},
    f"PATCH {_V1}/social/posts/{{id}}/": lambda w: {"content": "An edited post."},
    f"POST {_V1}/social/posts/{{id}}/comments/": lambda w: {"text": "A contract comment."},
}

# Requests that need a header of their own (a signature).
SIGNED: dict[str, Callable[[World], tuple[bytes, dict[str, str]]]] = {
    f"POST {_V1}/shop/payments/webhook/": _webhook,
}

# Query parameters an operation requires.
QUERIES: dict[str, Callable[[World], dict[str, str]]] = {
    f"GET {_V1}/movies/search/": lambda w: {"q": w.objects["movie"].title},
}


def sample_body(document: dict[str, Any], operation: Operation, world: World) -> Any:
    """For an operation ``BODIES`` does not know: its JSON request body's required
    properties (an enum's first value, a value of the world's for a reference field)."""
    content = operation.definition.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if media is None:
        return None
    schema = resolve(document, media.get("schema", {}))
    body: dict[str, Any] = {}
    for name in schema.get("required", []):
        known = world.body_values.get(f"{name} {operation.path}") or world.body_values.get(name)
        prop = resolve(document, schema.get("properties", {}).get(name, {}))
        body[name] = known[0] if known else _sample_value(prop)
    return body


def _sample_value(schema: dict[str, Any]) -> Any:
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" in kinds or "number" in kinds:
        return max(1, schema.get("minimum", 1))
    if "boolean" in kinds:
        return True
    if "array" in kinds:
        return []
    if "object" in kinds:
        return {}
    return "contract"


def attempts(document: dict[str, Any], operation: Operation, world: World) -> Iterator[Call]:
    """Every way to call the operation, most likely to succeed first."""
    label = operation.label
    headers: dict[str, str] = {}
    if label in SIGNED:
        body, headers = SIGNED[label](world)
    elif label in BODIES:
        body = BODIES[label](world)
    else:
        body = sample_body(document, operation, world)
    query = QUERIES[label](world) if label in QUERIES else {}
    for identity in IDENTITIES:
        for path in _paths(operation.path, world):
            yield Call(identity, operation.method, path, body, headers, query)


def _paths(template: str, world: World) -> list[str]:
    names = _PARAMETER.findall(template)
    if not names:
        return [template]
    ids = world.known_path(template)
    return [template.replace(f"{{{names[0]}}}", str(value)) for value in ids]
