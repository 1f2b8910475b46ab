"""Refresh-token rotation is atomic: a refresh token is spent by one INSERT into the
blacklist (its unique constraint decides), so of N concurrent refreshes of one token
exactly one gets a new pair and the rest are 401 ``token_not_valid``, and a logout
racing a refresh leaves either no live token or one, never two. Real threads on the
real PostgreSQL (one connection each), then a live server (the same requests over the
wire, from ten addresses at once).

Before the fix (simplejwt's ``blacklist()``, a ``get_or_create``), ten threads got 3,
7 or 10 working refresh tokens from one."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from core.identity.tokens import RefreshToken
from tests.core.factories import PASSWORD, UserFactory
from tests.core.live_servers import KINDS, Server
from tests.helpers import race, raised

pytestmark = pytest.mark.django_db(transaction=True)

REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/token/blacklist/"
ME = "/api/v1/auth/me/"
THREADS = 10


def _post(path: str, refresh: str, n: int) -> tuple[int, dict]:
    """One request from its own address (the auth throttle counts per address)."""
    response = APIClient().post(
        path, {"refresh": refresh}, format="json", REMOTE_ADDR=f"192.0.2.{n}"
    )
    return response.status_code, response.json()


def _live_tokens(user) -> list[str]:
    """The user's refresh tokens that still work: recorded and not blacklisted."""
    return list(
        OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).values_list(
            "jti", flat=True
        )
    )


_CHECKS = itertools.count()


def _works(refresh: str) -> bool:
    """Whether ``refresh`` still refreshes, asked from an address of its own: the auth
    throttle counts per address, and a test asks this many times."""
    n = next(_CHECKS)
    response = APIClient().post(
        REFRESH, {"refresh": refresh}, format="json", REMOTE_ADDR=f"198.51.100.{n % 250 + 1}"
    )
    status, body = response.status_code, response.json()
    assert status in (200, 401), body
    return status == 200


def _refused(body: dict) -> bool:
    return body["code"] == "token_not_valid" and body["type"] == "/problems/token_not_valid/"


def test_ten_concurrent_refreshes_of_one_token_make_exactly_one_new_pair():
    user = UserFactory()
    token = str(RefreshToken.for_user(user))

    outcomes = race(lambda n: _post(REFRESH, token, n), range(THREADS))

    assert raised(outcomes) == []
    assert Counter(status for status, _ in outcomes) == {200: 1, 401: THREADS - 1}, outcomes
    assert all(_refused(body) for status, body in outcomes if status == 401), outcomes
    (pair,) = [body for status, body in outcomes if status == 200]
    assert set(pair) == {"access", "refresh"}
    # One live descendant, the one issued; the token sent is spent.
    assert _live_tokens(user) == [RefreshToken(pair["refresh"])["jti"]]
    me = APIClient(HTTP_AUTHORIZATION=f"Bearer {pair['access']}").get(ME)
    assert me.status_code == 200
    assert me.json()["id"] == user.pk
    assert not _works(token)
    assert _works(pair["refresh"])


def test_a_logout_racing_refreshes_of_the_same_token_leaves_at_most_one_live_token():
    """Five rounds of a logout against a refresh, then one of a logout against four
    refreshes: each round has exactly one winner. If the logout wins, the refreshes are
    401s and nothing lives; if a refresh wins, the logout is a 401 and the new token (the
    only live one) works."""
    winners = Counter()
    for round_ in range(6):
        user = UserFactory()
        token = str(RefreshToken.for_user(user))
        paths = [LOGOUT, REFRESH] if round_ < 5 else [LOGOUT, *[REFRESH] * 4]

        outcomes = race(
            lambda n, paths=paths, token=token: _post(paths[n], token, n), range(len(paths))
        )

        assert raised(outcomes) == []
        statuses = [status for status, _ in outcomes]
        assert statuses.count(200) == 1, outcomes
        assert all(_refused(body) for status, body in outcomes if status == 401), outcomes
        winner = statuses.index(200)
        if paths[winner] == LOGOUT:
            winners["logout"] += 1
            assert outcomes[winner][1] == {}
            assert _live_tokens(user) == []
        else:
            winners["refresh"] += 1
            issued = outcomes[winner][1]["refresh"]
            assert _live_tokens(user) == [RefreshToken(issued)["jti"]]
            assert _works(issued)
        assert not _works(token)
    assert sum(winners.values()) == 6


def test_a_password_change_racing_refreshes_leaves_no_live_token():
    """A thief refreshes a stolen token while its owner changes the password. Whoever
    wins, once the change has answered 204 no refresh token of the account works: not
    the stolen one, and not one a racing refresh minted. (Before the user row was locked,
    a refresh that spent the old token before the change committed recorded its successor
    after the change had listed what to revoke, and that successor lived on.)"""
    survivors: list[str] = []
    for round_ in range(8):
        user = UserFactory()
        stolen = RefreshToken.for_user(user)
        access = str(stolen.access_token)
        paths = ["password", REFRESH, REFRESH, REFRESH]

        def send(n: int, paths=paths, stolen=str(stolen), access=access, round_=round_):
            if paths[n] != "password":
                return _post(REFRESH, stolen, 100 + n)
            response = APIClient(HTTP_AUTHORIZATION=f"Bearer {access}").post(
                "/api/v1/auth/password/change/",
                {"old_password": PASSWORD, "new_password": f"a-new-secret-{round_}-long"},
                format="json",
                REMOTE_ADDR="192.0.2.99",
            )
            return response.status_code, response.json() if response.content else {}

        outcomes = race(send, range(len(paths)))

        assert raised(outcomes) == []
        assert outcomes[0] == (204, {}), outcomes
        refreshes = outcomes[1:]
        assert [status for status, _ in refreshes].count(200) <= 1, outcomes
        assert all(_refused(body) for status, body in refreshes if status == 401), outcomes
        minted = [body["refresh"] for status, body in refreshes if status == 200]
        assert _live_tokens(user) == [], (round_, outcomes)
        survivors += [token for token in [str(stolen), *minted] if _works(token)]
    assert survivors == []


@pytest.fixture(params=KINDS)
def live(request, live_servers) -> Server:
    return live_servers[request.param]


def test_ten_concurrent_refreshes_over_the_wire_make_exactly_one_new_pair(live):
    """The same race against a real server (uvicorn as `make run` serves, gunicorn's
    ASGI and WSGI workers), each request from its own loopback address, as ten devices
    sharing a stolen token would."""
    user = UserFactory()
    token = str(RefreshToken.for_user(user))
    body = json.dumps({"refresh": token}).encode()

    def refresh(n: int):
        response = live.request(
            "POST",
            REFRESH,
            body=body,
            headers={"Content-Type": "application/json"},
            source=f"127.0.0.{10 + n}",
        )
        return response.status, response.json()

    outcomes = race(refresh, range(THREADS))

    assert raised(outcomes) == []
    assert Counter(status for status, _ in outcomes) == {200: 1, 401: THREADS - 1}, outcomes
    assert all(_refused(body) for status, body in outcomes if status == 401), outcomes
    (pair,) = [body for status, body in outcomes if status == 200]
    assert _live_tokens(user) == [RefreshToken(pair["refresh"])["jti"]]
    again = live.request(
        "POST",
        REFRESH,
        body=json.dumps({"refresh": pair["refresh"]}).encode(),
        headers={"Content-Type": "application/json"},
        source="127.0.0.30",
    )
    assert again.status == 200, again.body
