"""What every ceiling view pays that its API pays too: the bearer token checked by the
same class, and the same throttles counted in the same Redis keys.

A ceiling (bench/*_urls.py) is the same read or write without the framework: a bare
Django view behind the same middleware, raw SQL, ``json.dumps``. So that the ratio to
it measures the framework and not a skipped check, a ceiling calls these:

- ``authenticate(request)``: ``core.identity.authentication.JWTAuthentication``, as
  DRF and the GraphQL view call it; the user, ``AnonymousUser`` without a token, None
  for a bad one (a 401);
- ``throttled(request, user)``: REST's default throttles (anonymous per address, per
  user), or the classes and scope a view names (the vote's per-user and per-address
  limits), each one round trip as in the API; the limits found go on the request, so
  the middleware writes the same ``RateLimit`` headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, JsonResponse
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from core.identity.authentication import JWTAuthentication

_authenticator = JWTAuthentication()


def authenticate(request: HttpRequest) -> Any:
    """The token's user (``request.user`` is set to it), ``AnonymousUser`` without a
    token, None when the token is refused."""
    try:
        authenticated = _authenticator.authenticate(request)  # type: ignore[arg-type]
    except APIException:
        return None
    user = authenticated[0] if authenticated is not None else AnonymousUser()
    request.user = user
    return user


def throttled(
    request: HttpRequest,
    *,
    classes: Sequence[type[BaseThrottle]] | None = None,
    scope: str | None = None,
) -> bool:
    """Whether any of the API's throttles refuses the request (REST's defaults unless
    ``classes`` names the view's, with its ``throttle_scope``)."""
    chosen = classes or cast(Sequence[type[BaseThrottle]], api_settings.DEFAULT_THROTTLE_CLASSES)
    view = SimpleNamespace(throttle_scope=scope)
    refused = False
    for throttle_class in chosen:
        # Core's throttles read only the request's user and META, which this one has.
        if not throttle_class().allow_request(request, view):  # type: ignore[arg-type]
            refused = True
    return refused


def refusal(status: int, code: str) -> JsonResponse:
    return JsonResponse({"status": status, "code": code}, status=status)


def checked(
    request: HttpRequest,
    *,
    anonymous: bool = False,
    classes: Sequence[type[BaseThrottle]] | None = None,
    scope: str | None = None,
) -> tuple[Any, JsonResponse | None]:
    """Authentication then throttling, as the API runs them: (the user, None), or
    (None, the refusal: 401 for a bad or, unless ``anonymous``, a missing token;
    429 when throttled)."""
    user = authenticate(request)
    if user is None or (not anonymous and not user.is_authenticated):
        return None, refusal(401, "not_authenticated")
    if throttled(request, classes=classes, scope=scope):
        return None, refusal(429, "throttled")
    return user, None
