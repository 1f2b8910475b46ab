"""Who is voting or watching: a user, or an anonymous browser, and the short-lived
tickets that carry a user's identity to the results stream.

- A signed-in voter is ``u:<user id>``.
- An anonymous voter (only where the poll allows it) gets a random token from the
  server, signed, in an HttpOnly cookie; the ballot stores ``a:<sha256(token)>``, so
  a database dump names no browser. Clearing cookies lets a browser vote again: the
  per-IP vote throttle bounds that, and polls that matter should not allow anonymous
  votes.
- ``EventSource`` cannot send ``Authorization`` and a JWT never goes into a URL: a
  signed ticket (one poll, one user, about a minute) goes into ``?ticket=`` instead.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpResponse

from core.http.catalogue import ProblemError
from polls import error_codes

VOTER_COOKIE = "nexus_poll_voter"
_VOTER_SALT = "polls.voter"
_TICKET_SALT = "polls.stream-ticket"
_VOTER_COOKIE_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Voter:
    key: str
    user_id: int | None = None
    # A token just issued: the response must set it as the voter cookie.
    new_cookie: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.user_id is None


def _anonymous_key(token: str) -> str:
    return "a:" + hashlib.sha256(token.encode()).hexdigest()


def _cookie_token(cookies: dict[str, str]) -> str | None:
    raw = cookies.get(VOTER_COOKIE)
    if not raw or len(raw) > 200:
        return None
    try:
        token = signing.loads(raw, salt=_VOTER_SALT)
    except signing.BadSignature:
        return None
    return token if isinstance(token, str) and 16 <= len(token) <= 64 else None


def voter_for(user: Any, cookies: dict[str, str], *, issue: bool = False) -> Voter | None:
    """The voter behind a request: the signed-in user, else the anonymous cookie's
    holder, else (with ``issue``) a new anonymous voter, else None."""
    if user is not None and user.is_authenticated:
        return Voter(key=f"u:{user.pk}", user_id=user.pk)
    token = _cookie_token(cookies)
    if token is not None:
        return Voter(key=_anonymous_key(token))
    if not issue:
        return None
    token = secrets.token_urlsafe(24)
    return Voter(key=_anonymous_key(token), new_cookie=signing.dumps(token, salt=_VOTER_SALT))


def remember_voter(response: HttpResponse, voter: Voter) -> None:
    if voter.new_cookie is not None:
        response.set_cookie(
            VOTER_COOKIE,
            voter.new_cookie,
            max_age=_VOTER_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )


def ticket_issue(*, poll_id: int, user_id: int) -> str:
    return signing.dumps({"p": poll_id, "u": user_id}, salt=_TICKET_SALT)


def ticket_user(ticket: str, *, poll_id: int) -> int:
    """The user a stream ticket was issued to; a problem if it is not valid for this poll."""
    try:
        claims = signing.loads(
            ticket[:500], salt=_TICKET_SALT, max_age=settings.POLLS_STREAM_TICKET_SECONDS
        )
    except signing.SignatureExpired:
        raise ProblemError(error_codes.STREAM_TICKET_INVALID, "The ticket has expired.") from None
    except signing.BadSignature:
        raise ProblemError(error_codes.STREAM_TICKET_INVALID, "The ticket is not valid.") from None
    if (
        not isinstance(claims, dict)
        or claims.get("p") != poll_id
        or not isinstance(claims.get("u"), int)
    ):
        raise ProblemError(
            error_codes.STREAM_TICKET_INVALID, "The ticket was issued for another poll."
        )
    return claims["u"]
