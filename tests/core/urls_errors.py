"""config.urls plus test-only routes that fail on purpose (403 and 500 paths).

Mount with ``@pytest.mark.urls("tests.core.urls_errors")``. The handlers are
re-exported so Django's 4xx/5xx handling is the production one.
"""

from __future__ import annotations

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
    *config_urlpatterns,
]
