"""Identity end to end through the HTTP API: register, JWT, profile, password."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from core.identity.models import User
from tests.core.factories import PASSWORD, UserFactory
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
BLACKLIST = "/api/v1/auth/token/blacklist/"
ME = "/api/v1/auth/me/"
PASSWORD_CHANGE = "/api/v1/auth/password/change/"
GRAPHQL = "/graphql/"

STRONG = "long-and-unusual-42"


def _register_payload(**overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "username": "newcomer",
        "email": "newcomer@example.test",
        "password": STRONG,
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


def _field_codes(response, field: str) -> list[str]:
    return [error["code"] for error in response.json()["errors"][field]]


def _assert_validation_problem(response, expected: dict[str, list[str]]) -> None:
    """A 400 problem whose ``errors`` name exactly these fields with these codes."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["status"] == 400
    assert set(body["errors"]) == set(expected)
    for field, codes in expected.items():
        assert _field_codes(response, field) == codes
        assert all(error["message"] for error in body["errors"][field])


def _bearer(client: APIClient, access: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def _login(client: APIClient, username: str, password: str = PASSWORD):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


# --- register ----------------------------------------------------------------


def test_register_creates_customer_without_exposing_password(api_client):
    response = api_client.post(REGISTER, _register_payload(), format="json")

    assert response.status_code == 201, response.content
    assert set(response.json()) == {"user", "access", "refresh"}
    body = response.json()["user"]
    assert set(body) == {
        "id",
        "username",
        "email",
        "first_name",
        "last_name",
        "roles",
        "is_staff",
        "date_joined",
    }
    assert body["is_staff"] is False
    assert body["username"] == "newcomer"
    assert body["email"] == "newcomer@example.test"
    assert body["roles"] == ["customer"]
    user = User.objects.get(pk=body["id"])
    assert user.check_password(STRONG)
    assert STRONG not in response.content.decode()
    assert user.password not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "roles"),
    [("candidate", ["candidate", "customer"]), ("employer", ["customer", "employer"])],
)
def test_register_with_role_adds_that_group_to_customer(api_client, role, roles):
    response = api_client.post(REGISTER, _register_payload(role=role), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["user"]["roles"] == roles
    user = User.objects.get(username="newcomer")
    assert sorted(user.groups.values_list("name", flat=True)) == roles


def test_register_refuses_username_taken_in_another_case(api_client):
    UserFactory(username="Newcomer", email="first@example.test")

    response = api_client.post(REGISTER, _register_payload(username="NEWCOMER"), format="json")

    _assert_validation_problem(response, {"username": ["unique"]})
    assert User.objects.count() == 1


def test_register_refuses_email_taken_in_another_case(api_client):
    UserFactory(username="someone", email="Newcomer@Example.test")

    response = api_client.post(
        REGISTER, _register_payload(email="NEWCOMER@example.TEST"), format="json"
    )

    _assert_validation_problem(response, {"email": ["unique"]})
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("username", "password", "codes"),
    [
        ("newcomer", "48210937561", ["password_entirely_numeric"]),
        ("newcomer", "Xk9#q", ["password_too_short"]),
        ("newcomer", "password123", ["password_too_common"]),
        ("margaretha", "margaretha7", ["password_too_similar"]),
    ],
)
def test_register_refuses_weak_password(api_client, username, password, codes):
    response = api_client.post(
        REGISTER,
        _register_payload(username=username, email=f"{username}@example.test", password=password),
        format="json",
    )

    _assert_validation_problem(response, {"password": codes})
    assert User.objects.count() == 0


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_register_refuses_role_that_is_not_self_service(api_client, role):
    response = api_client.post(REGISTER, _register_payload(role=role), format="json")

    _assert_validation_problem(response, {"role": ["invalid_choice"]})
    assert User.objects.count() == 0


def test_register_refuses_missing_fields(api_client):
    response = api_client.post(REGISTER, {}, format="json")

    _assert_validation_problem(
        response, {"username": ["required"], "email": ["required"], "password": ["required"]}
    )
    assert User.objects.count() == 0


def test_register_reports_every_problem_at_once(api_client):
    UserFactory(username="someone", email="newcomer@example.test")

    response = api_client.post(
        REGISTER, _register_payload(email="NewComer@example.test", password="12345"), format="json"
    )

    _assert_validation_problem(
        response,
        {
            "email": ["unique"],
            "password": ["password_too_short", "password_too_common", "password_entirely_numeric"],
        },
    )
    assert response.json()["detail"] == "Invalid input in: email, password."
    assert User.objects.count() == 1


def test_register_reports_the_fields_its_serializer_and_its_rules_refuse_in_one_400(api_client):
    """A blank username (the request's shape) no longer hides a taken email and a weak
    password (the account rules) until it is fixed."""
    UserFactory(username="someone", email="newcomer@example.test")

    response = api_client.post(
        REGISTER,
        _register_payload(username="", email="NewComer@example.test", password="12345"),
        format="json",
    )

    _assert_validation_problem(
        response,
        {
            "username": ["blank"],
            "email": ["unique"],
            "password": ["password_too_short", "password_too_common", "password_entirely_numeric"],
        },
    )
    assert response.json()["detail"] == "Invalid input in: email, password, username."
    assert list(User.objects.values_list("username", flat=True)) == ["someone"]


def test_register_reports_a_malformed_email_beside_a_taken_username_and_a_bad_role(api_client):
    UserFactory(username="someone", email="first@example.test")

    response = api_client.post(
        REGISTER,
        _register_payload(username="SOMEONE", email="not-an-email", role="moderator"),
        format="json",
    )

    _assert_validation_problem(
        response, {"username": ["unique"], "email": ["invalid"], "role": ["invalid_choice"]}
    )
    assert User.objects.count() == 1


def test_register_returns_a_token_pair_that_signs_the_new_user_in(api_client):
    response = api_client.post(REGISTER, _register_payload(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    me = _bearer(APIClient(), body["access"]).get(ME)
    assert me.status_code == 200, me.content
    assert me.json() == body["user"]
    rotated = APIClient().post(REFRESH, {"refresh": body["refresh"]}, format="json")
    assert rotated.status_code == 200, rotated.content
    assert _bearer(APIClient(), rotated.json()["access"]).get(ME).json()["username"] == "newcomer"
    assert "no-store" in response["Cache-Control"]


def test_the_refresh_token_of_a_registration_is_revoked_by_logout(api_client):
    refresh = api_client.post(REGISTER, _register_payload(), format="json").json()["refresh"]

    assert api_client.post(BLACKLIST, {"refresh": refresh}, format="json").status_code == 200

    refused = api_client.post(REFRESH, {"refresh": refresh}, format="json")
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_not_valid"


# --- token -------------------------------------------------------------------


def test_token_with_correct_credentials_returns_a_usable_pair(api_client):
    user = UserFactory(username="alice")

    response = _login(api_client, "alice")

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"access", "refresh"}
    assert AccessToken(response.json()["access"])["user_id"] == str(user.pk)
    me = _bearer(APIClient(), response.json()["access"]).get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


def test_token_accepts_username_in_another_case(api_client):
    UserFactory(username="alice")

    response = _login(api_client, "ALICE")

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"access", "refresh"}


def test_token_with_wrong_password_is_401_problem(api_client):
    UserFactory(username="alice")

    response = _login(api_client, "alice", "not-the-password")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "no_active_account"
    assert body["status"] == 401
    assert "access" not in body
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_token_for_inactive_user_is_401(api_client):
    UserFactory(username="alice", is_active=False)

    response = _login(api_client, "alice")

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


# --- me ------------------------------------------------------------------------


def test_me_with_token_lists_roles(api_client):
    user = UserFactory(username="alice", roles=["customer", "employer"])
    _bearer(api_client, str(RefreshToken.for_user(user).access_token))

    response = api_client.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk
    assert body["username"] == "alice"
    assert body["roles"] == ["customer", "employer"]
    assert "password" not in body


def test_me_without_token_is_401_with_www_authenticate(api_client):
    response = api_client.get(ME)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


# Forged, expired, misused, blacklisted tokens and tokens of deactivated or deleted users,
# at REST, GraphQL and domain writes: tests/security/test_jwt.py (the expiry code and
# message: below, by GraphQL).


def test_patch_me_changes_email_and_ignores_username(auth_client, user):
    response = auth_client.patch(
        ME, {"email": "Fresh@Example.test", "username": "hijack", "last_name": "Doe"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["email"] == "Fresh@example.test"
    assert response.json()["username"] == user.username
    user.refresh_from_db()
    assert user.email == "Fresh@example.test"
    assert user.last_name == "Doe"
    assert user.username != "hijack"
    assert not User.objects.filter(username="hijack").exists()


def test_patch_me_refuses_email_taken_in_another_case(auth_client, user):
    UserFactory(username="other", email="taken@example.test")
    before = user.email

    response = auth_client.patch(ME, {"email": "TAKEN@example.test"}, format="json")

    _assert_validation_problem(response, {"email": ["unique"]})
    user.refresh_from_db()
    assert user.email == before


def test_patch_me_without_token_is_401_and_changes_nothing(api_client, user):
    before = user.email

    response = api_client.patch(ME, {"email": "fresh@example.test"}, format="json")

    assert response.status_code == 401
    user.refresh_from_db()
    assert user.email == before


# --- refresh and logout --------------------------------------------------------


def test_refresh_rotates_and_blacklists_the_old_refresh(api_client):
    UserFactory(username="alice")
    pair = _login(api_client, "alice").json()

    rotated = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")

    assert rotated.status_code == 200, rotated.content
    assert set(rotated.json()) == {"access", "refresh"}
    assert rotated.json()["refresh"] != pair["refresh"]
    reused = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"
    again = api_client.post(REFRESH, {"refresh": rotated.json()["refresh"]}, format="json")
    assert again.status_code == 200


def test_logout_blacklists_the_refresh(api_client):
    UserFactory(username="alice")
    pair = _login(api_client, "alice").json()

    logout = api_client.post(BLACKLIST, {"refresh": pair["refresh"]}, format="json")

    assert logout.status_code == 200, logout.content
    response = api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


# --- password change -----------------------------------------------------------


def test_password_change_refuses_wrong_old_password(api_client):
    user = UserFactory(username="alice")
    _bearer(api_client, _login(api_client, "alice").json()["access"])

    response = api_client.post(
        PASSWORD_CHANGE, {"old_password": "wrong-one-123", "new_password": STRONG}, format="json"
    )

    _assert_validation_problem(response, {"old_password": ["invalid"]})
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_refuses_weak_new_password(api_client):
    user = UserFactory(username="alice")
    _bearer(api_client, _login(api_client, "alice").json()["access"])

    response = api_client.post(
        PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password": "48210937561"}, format="json"
    )

    _assert_validation_problem(response, {"new_password": ["password_entirely_numeric"]})
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_refuses_anonymous(api_client, user):
    response = api_client.post(
        PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password": STRONG}, format="json"
    )

    assert response.status_code == 401
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_switches_password_and_revokes_refresh_tokens():
    UserFactory(username="alice")
    client = APIClient()
    first = _login(client, "alice").json()
    other_device = _login(client, "alice").json()
    rotated = client.post(REFRESH, {"refresh": other_device["refresh"]}, format="json").json()
    _bearer(client, first["access"])

    response = client.post(
        PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password": STRONG}, format="json"
    )

    assert response.status_code == 204
    assert response.content == b""
    anonymous = APIClient()
    assert _login(anonymous, "alice", PASSWORD).status_code == 401
    assert _login(anonymous, "alice", STRONG).status_code == 200
    for refresh in (first["refresh"], rotated["refresh"]):
        refused = anonymous.post(REFRESH, {"refresh": refresh}, format="json")
        assert refused.status_code == 401
        assert refused.json()["code"] == "token_not_valid"


# --- GraphQL -------------------------------------------------------------------


def test_graphql_me_with_bearer_token_returns_the_user(api_client):
    UserFactory(username="alice", roles=["customer", "candidate"])
    _bearer(api_client, _login(api_client, "alice").json()["access"])

    response = api_client.post(GRAPHQL, {"query": "{ me { username roles } }"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "data": {"me": {"username": "alice", "roles": ["candidate", "customer"]}}
    }


def test_graphql_me_without_token_is_null(api_client):
    response = api_client.post(GRAPHQL, {"query": "{ me { username } }"}, format="json")

    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}


def test_graphql_with_garbage_token_is_401(api_client):
    _bearer(api_client, "not-a-jwt")

    response = api_client.post(GRAPHQL, {"query": "{ me { username } }"}, format="json")

    assert response.status_code == 401
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "token_not_valid"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "data" not in body


def _expired(token_class: type, user: User) -> str:
    token = token_class.for_user(user)
    token.set_exp(lifetime=-timedelta(minutes=5))
    return str(token)


def _forged(token: str) -> str:
    """The same claims signed with another key."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, "not-the-signing-key-0123456789abcdef", algorithm="HS256")


def test_an_expired_access_token_is_a_401_that_says_so(api_client):
    user = UserFactory(username="alice")
    _bearer(api_client, _expired(AccessToken, user))

    response = api_client.get(ME)

    body = assert_problem(response, 401, "token_expired")
    assert body["detail"] == "The access token has expired; refresh it."
    assert body["title"] == "Token expired"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda user: _forged(_expired(AccessToken, user)), id="expired and forged"),
        pytest.param(lambda user: _forged(str(AccessToken.for_user(user))), id="forged"),
        pytest.param(lambda user: _expired(RefreshToken, user), id="expired refresh as access"),
    ],
)
def test_a_forged_or_misused_access_token_keeps_the_old_code(api_client, make):
    _bearer(api_client, make(UserFactory(username="alice")))

    body = assert_problem(api_client.get(ME), 401, "token_not_valid")

    assert "expired" not in body["detail"]


def test_graphql_with_an_expired_token_is_401_token_expired(api_client):
    _bearer(api_client, _expired(AccessToken, UserFactory(username="alice")))

    response = api_client.post(GRAPHQL, {"query": "{ me { username } }"}, format="json")

    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "message": "The access token has expired; refresh it.",
                "extensions": {"code": "token_expired"},
            }
        ]
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_expired_refresh_token_is_a_401_that_says_so_and_issues_nothing(api_client):
    refresh = _expired(RefreshToken, UserFactory(username="alice"))

    response = api_client.post(REFRESH, {"refresh": refresh}, format="json")

    body = assert_problem(response, 401, "token_expired")
    assert body["detail"] == "The refresh token has expired; sign in again."
    assert "access" not in body


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda user: _forged(_expired(RefreshToken, user)), id="expired and forged"),
        pytest.param(lambda user: _expired(AccessToken, user), id="expired access as refresh"),
    ],
)
def test_a_forged_or_misused_refresh_token_keeps_the_old_code(api_client, make):
    response = api_client.post(REFRESH, {"refresh": make(UserFactory())}, format="json")

    assert_problem(response, 401, "token_not_valid")


def test_me_costs_two_queries(auth_client, django_assert_num_queries):
    # One to authenticate the token's user, one for the roles.
    with django_assert_num_queries(2):
        assert auth_client.get("/api/v1/auth/me/").status_code == 200


def test_token_refresh_and_me_responses_are_never_stored(api_client, user):
    from tests.core.factories import PASSWORD

    pair = api_client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    refreshed = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": pair.json()["refresh"]}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    me = api_client.get("/api/v1/auth/me/")

    for response in (pair, refreshed, me):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
