"""Bench-only URLconf: every product URL, plus the raw-SQL ceilings of the two core
reads that bench/run.py measures next to the API in the same run.

Each ceiling is a minimal Django view (no DRF view, serializer or pagination class)
behind the same middleware as the API, paying what the API pays before its read
(bench/ceilings.py): the same JWT checked by the same class
(``core.identity.authentication.JWTAuthentication``), then REST's default throttles
on the same Redis counters:

- ``/bench/core/raw/me/``: the API's fields, the roles as the API reads them: the names
  the token's cached user carries (``core.identity.authentication.token_user``; no
  statement), else, as ``core.identity.selectors.user_with_roles`` does, one (GraphQL's
  ``{ me }`` is compared with this one too: it has no ceiling of its own);
- ``/bench/core/raw/notifications/``: the newest 20 of the user's notifications by
  ``(created_at, id)`` on the same index, the API's fields, ``json.dumps``.
"""

from __future__ import annotations

import json

from ceilings import checked
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as product_urlpatterns

PAGE_SIZE = 20

ROLES_SQL = """
SELECT g.name FROM auth_group g JOIN core_user_groups ug ON ug.group_id = g.id
WHERE ug.user_id = %s ORDER BY g.name
"""
NOTIFICATIONS_SQL = """
SELECT id, kind, title, body, data, created_at, read_at FROM core_notification
WHERE user_id = %s ORDER BY created_at DESC, id DESC LIMIT %s
"""


def _iso(value) -> str | None:  # type: ignore[no-untyped-def]
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def raw_me(request: HttpRequest) -> HttpResponse:
    user, refused = checked(request)
    if refused is not None:
        return refused
    known = user.__dict__.get("_nexus_role_names")  # carried by the token's cached user
    if known is not None:
        roles = sorted(known)
    else:
        with connection.cursor() as cursor:
            cursor.execute(ROLES_SQL, [user.pk])
            roles = [row[0] for row in cursor.fetchall()]
    body = {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "roles": roles,
        "is_staff": user.is_staff,
        "date_joined": _iso(user.date_joined),
    }
    return HttpResponse(json.dumps(body), content_type="application/json")


def raw_notifications(request: HttpRequest) -> HttpResponse:
    user, refused = checked(request)
    if refused is not None:
        return refused
    with connection.cursor() as cursor:
        cursor.execute(NOTIFICATIONS_SQL, [user.pk, PAGE_SIZE])
        rows = cursor.fetchall()
    results = [
        {
            "id": pk,
            "kind": kind,
            "title": title,
            "body": body,
            "data": json.loads(data) if isinstance(data, str) else data,
            "created_at": _iso(created_at),
            "read_at": _iso(read_at),
            "read": read_at is not None,
        }
        for pk, kind, title, body, data, created_at, read_at in rows
    ]
    return HttpResponse(
        json.dumps({"results": results, "next": None, "previous": None}),
        content_type="application/json",
    )


urlpatterns = [
    path("bench/core/raw/me/", raw_me),
    path("bench/core/raw/notifications/", raw_notifications),
    *product_urlpatterns,
]
