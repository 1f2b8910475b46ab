"""API clients per identity, authenticated as the API authenticates: a bearer JWT."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken


def client_for(
    user: Any = None, *, token: str | None = None, raise_request_exception: bool = True
) -> APIClient:
    """An API client: anonymous without a user, else sending that user's real bearer
    token (an access token, as ``/api/v1/auth/token/`` issues), so authentication is
    what production does, not ``force_authenticate``.

    ``token`` sends that raw token instead (a forged, expired or revoked one);
    ``raise_request_exception=False`` answers an uncaught server error with its 500
    instead of raising it (for suites that report every outcome)."""
    client = APIClient(raise_request_exception=raise_request_exception)
    if user is not None:
        token = str(AccessToken.for_user(user))
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def warm_token_user(client: APIClient) -> APIClient:
    """Make one request with the client's token, so its user's columns are cached (as
    after any earlier request; core.identity.authentication): a query count taken next
    is the endpoint's own, the same for its first request as for its hundredth. Nothing
    for an anonymous client."""
    if client._credentials.get("HTTP_AUTHORIZATION"):
        response = client.get("/api/v1/auth/me/")
        assert response.status_code == 200, response.content
    return client
