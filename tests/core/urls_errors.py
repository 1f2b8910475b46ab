"""config.urls plus test-only routes that fail on purpose (403, 500 and 503 paths).

Mount with ``@pytest.mark.urls("tests.core.urls_errors")``. The handlers are
re-exported so Django's 4xx/5xx handling is the production one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.urls import path
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as config_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

SECRET_MESSAGE = "secret detail from /srv/nexus/app.py"


class StaffOnlyView(APIView):
    permission_classes = [IsAdminUser]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class BoomView(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET_MESSAGE)


# tests/core/test_database_busy.py puts here a Django connection to a SQLite file whose
# write lock another connection holds: these views try to write through it, and the
# database answers "database is locked" once the connection's busy timeout has passed.
LOCKED_DATABASE: list[Any] = []


def _write_to_the_locked_database() -> None:
    (connection,) = LOCKED_DATABASE
    # What transaction.atomic() does first: BEGIN IMMEDIATE, the write lock.
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


class BusyView(APIView):
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        _write_to_the_locked_database()
        return Response({"ok": True}, status=201)


def plain_busy(request: HttpRequest) -> HttpResponse:
    _write_to_the_locked_database()
    return HttpResponse("written", status=201)


def busy_middleware(get_response: Any) -> Any:
    """A middleware that writes on every request (as a session or audit middleware
    might), through the locked database: its exception never reaches a view."""

    def middleware(request: HttpRequest) -> HttpResponse:
        _write_to_the_locked_database()
        return get_response(request)

    return middleware


def plain_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_MESSAGE)


def plain_html_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(
        f"<html><body><h1>Traceback</h1><pre>File {SECRET_MESSAGE}</pre></body></html>"
    )


urlpatterns = [
    path("api/v1/_test/staff-only/", StaffOnlyView.as_view()),
    path("api/v1/_test/drf-boom/", BoomView.as_view()),
    path("api/v1/_test/plain-boom/", plain_boom),
    path("api/v1/_test/plain-html-error/", plain_html_error),
    path("api/v1/_test/drf-busy/", BusyView.as_view()),
    path("api/v1/_test/plain-busy/", plain_busy),
    path("_test/page-busy/", plain_busy),
    *config_urlpatterns,
]
