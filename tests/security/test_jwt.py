"""Forged, stale and misused tokens, on a REST read, two domain writes, a GraphQL query
and a GraphQL mutation, and at the refresh and logout endpoints: each is a 401 with a
problem body (GraphQL: an error with ``extensions.code``) and changes nothing.

(Moved here from tests/core/test_auth_flow.py: the tampered, expired and
refresh-as-access bearer tokens and the refresh of a deactivated or deleted user.)
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from core.identity.models import User
from tests.core.factories import UserFactory
from tests.security.conftest import (
    changed_tables,
    client_for,
    fingerprint,
    graphql,
    graphql_codes,
    problem,
)

pytestmark = pytest.mark.django_db

REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/token/blacklist/"


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _alg_none(token: str) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(token))}."


def _wrong_key(token: str) -> str:
    return jwt.encode(_claims(token), "not-the-signing-key-0123456789abcdef", algorithm="HS256")


def _other_algorithm(token: str) -> str:
    """Our own key, but HS512: only the configured algorithm is accepted."""
    key = settings.SIMPLE_JWT["SIGNING_KEY"]
    with warnings.catch_warnings():  # the test key is short for HS512; it is refused anyway
        warnings.simplefilter("ignore")
        return jwt.encode(_claims(token), key, algorithm="HS512")


def _forged_user(token: str, user_id: int) -> str:
    """Someone else's id in the payload, the original signature kept."""
    header, _, signature = token.split(".")
    return f"{header}.{_b64({**_claims(token), 'user_id': str(user_id)})}.{signature}"


def _expired(token_class: type) -> Callable[[Any], str]:
    def make(user: Any) -> str:
        token = token_class.for_user(user)
        token.set_exp(lifetime=-timedelta(minutes=5))
        return str(token)

    return make


def _deactivated(make: Callable[[Any], str]) -> Callable[[Any], str]:
    def wrapped(user: Any) -> str:
        token = make(user)
        User.objects.filter(pk=user.pk).update(is_active=False)
        return token

    return wrapped


def _deleted(make: Callable[[Any], str]) -> Callable[[Any], str]:
    def wrapped(user: Any) -> str:
        token = make(user)
        user.delete()
        return token

    return wrapped


def _access(user: Any) -> str:
    return str(AccessToken.for_user(user))


def _refresh(user: Any) -> str:
    return str(RefreshToken.for_user(user))


# name: (token maker for a user, expected problem code). Each is sent as the bearer token.
BEARER_TOKENS: dict[str, tuple[Callable[[Any], str], str]] = {
    "alg none": (lambda user: _alg_none(_access(user)), "token_not_valid"),
    "wrong signature": (lambda user: _wrong_key(_access(user)), "token_not_valid"),
    "HS512 with our key": (lambda user: _other_algorithm(_access(user)), "token_not_valid"),
    "another user's id, our signature": (
        lambda user: _forged_user(_access(user), UserFactory(is_staff=True).pk),
        "token_not_valid",
    ),
    # Genuine but old: the client refreshes. Forged or misused, old or not: token_not_valid.
    "expired": (_expired(AccessToken), "token_expired"),
    "expired, wrong signature": (
        lambda user: _wrong_key(_expired(AccessToken)(user)),
        "token_not_valid",
    ),
    "expired refresh token as access": (_expired(RefreshToken), "token_not_valid"),
    "refresh token as access": (_refresh, "token_not_valid"),
    "deactivated user": (_deactivated(_access), "user_inactive"),
    "deleted user": (_deleted(_access), "user_not_found"),
    "two tokens in the header": (
        lambda user: f"{_access(user)} {_access(user)}",
        "bad_authorization_header",
    ),
}


# name: (method, path, body) or a GraphQL document
TARGETS: dict[str, tuple[str, str, Any]] = {
    "REST read": ("get", "/api/v1/auth/me/", None),
    "REST write (social post)": ("post", "/api/v1/social/posts/", {"content": "hello"}),
    "REST write (poll)": (
        "post",
        "/api/v1/polls/polls/",
        {"question": "Tea?", "options": ["Yes", "No"]},
    ),
    "GraphQL query": ("graphql", "{ me { id } }", None),
    "GraphQL mutation": ("graphql", 'mutation { createPost(content: "hi") { post { id } } }', None),
}


def _call(client, method: str, path: str, body: Any):
    if method == "graphql":
        return graphql(client, path)
    return getattr(client, method)(path, body, format="json")


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("kind", list(BEARER_TOKENS))
def test_a_bad_bearer_token_is_a_401_that_changes_nothing(kind, target):
    make, code = BEARER_TOKENS[kind]
    token = make(UserFactory())
    before = fingerprint()

    response = _call(client_for(token=token), *TARGETS[target])

    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    if TARGETS[target][0] == "graphql":
        assert graphql_codes(response) == [code], response.content
        assert "data" not in response.json()
    else:
        assert problem(response)["code"] == code
    assert changed_tables(before, fingerprint()) == []


def test_the_same_user_with_a_good_token_gets_through():
    """The control: what the forged tokens imitate does authenticate."""
    user = UserFactory()
    client = client_for(token=_access(user))

    assert client.get("/api/v1/auth/me/").json()["id"] == user.pk
    assert graphql(client, "{ me { id } }").json() == {"data": {"me": {"id": str(user.pk)}}}


def _logged_out(user: Any) -> str:
    refresh = _refresh(user)
    assert client_for().post(LOGOUT, {"refresh": refresh}, format="json").status_code == 200
    return refresh


def _rotated(user: Any) -> str:
    refresh = _refresh(user)
    assert client_for().post(REFRESH, {"refresh": refresh}, format="json").status_code == 200
    return refresh


# name: (refresh token maker, code at the refresh endpoint, code at the logout endpoint or
# None where logging a token out is harmless and allowed)
REFRESH_TOKENS: dict[str, tuple[Callable[[Any], str], str, str | None]] = {
    "blacklisted by logout": (_logged_out, "token_not_valid", "token_not_valid"),
    "blacklisted by rotation": (_rotated, "token_not_valid", "token_not_valid"),
    "alg none": (lambda user: _alg_none(_refresh(user)), "token_not_valid", "token_not_valid"),
    "wrong signature": (
        lambda user: _wrong_key(_refresh(user)),
        "token_not_valid",
        "token_not_valid",
    ),
    "expired": (_expired(RefreshToken), "token_expired", "token_expired"),
    "expired, wrong signature": (
        lambda user: _wrong_key(_expired(RefreshToken)(user)),
        "token_not_valid",
        "token_not_valid",
    ),
    "expired access token as refresh": (
        _expired(AccessToken),
        "token_not_valid",
        "token_not_valid",
    ),
    "access token as refresh": (_access, "token_not_valid", "token_not_valid"),
    "deactivated user": (_deactivated(_refresh), "no_active_account", None),
    "deleted user": (_deleted(_refresh), "no_active_account", None),
}


REFRESH_CASES = [
    pytest.param(kind, endpoint, code, id=f"{kind}-{name}")
    for kind, (_, refresh_code, logout_code) in REFRESH_TOKENS.items()
    for name, endpoint, code in (
        ("refresh", REFRESH, refresh_code),
        ("logout", LOGOUT, logout_code),
    )
    if code is not None
]


@pytest.mark.parametrize(("kind", "endpoint", "code"), REFRESH_CASES)
def test_a_bad_refresh_token_is_a_401_that_changes_nothing(kind, endpoint, code):
    token = REFRESH_TOKENS[kind][0](UserFactory())
    before = fingerprint()

    response = client_for().post(endpoint, {"refresh": token}, format="json")

    assert response.status_code == 401, response.content
    assert problem(response)["code"] == code
    assert "access" not in response.json()
    assert changed_tables(before, fingerprint()) == []


def test_a_session_cookie_is_no_credential_for_the_api(client):
    """Only a bearer token authenticates the API (and /graphql/), so a signed-in admin's
    browser session cannot be ridden by a cross-site request."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    before = fingerprint()

    rest = client.post(
        "/api/v1/shop/categories/",
        {"name": "Ridden", "slug": "ridden"},
        content_type="application/json",
    )
    gql = client.post(
        "/graphql/",
        {"query": 'mutation { createPost(content: "ridden") { post { id } } }'},
        content_type="application/json",
    )

    assert rest.status_code == 401
    assert problem(rest)["code"] == "not_authenticated"
    assert graphql_codes(gql) == ["UNAUTHENTICATED"]
    assert changed_tables(before, fingerprint()) == []
