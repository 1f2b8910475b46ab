"""``/me`` and the notifications page serialize with fields built once per process
(``core.http.representation``), and answer byte for byte what DRF's serializers built
per request answered; a serializer whose fields read the request is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework import mixins, serializers

from core.http.representation import Representation
from core.identity.api import serializers as identity_serializers
from core.identity.api import views as identity_views
from core.identity.models import User
from core.identity.roles import Role
from core.notifications.api.views import NotificationListView
from core.notifications.models import Notification
from tests.core.factories import NotificationFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"
NOTIFICATIONS = "/api/v1/auth/notifications/"
LAST_NAME = "O\u2019Brien \U0001f600"  # the PATCH sets it again: both answer the same


class _PerRequest:
    """``me/`` as it was: a ``UserSerializer`` built for every response."""

    def one(self, user: User) -> object:
        return identity_serializers.UserSerializer(user).data


def test_me_answers_the_bytes_the_per_request_serializer_did(monkeypatch):
    user = UserFactory(
        first_name="Zoë",
        last_name=LAST_NAME,
        is_staff=True,
        roles=[Role.EMPLOYER, Role.CUSTOMER],
    )
    client = client_for(user)

    shared = [client.get(ME), client.patch(ME, {"last_name": LAST_NAME}, format="json")]
    monkeypatch.setattr(identity_views, "_ME", _PerRequest())
    built = [client.get(ME), client.patch(ME, {"last_name": LAST_NAME}, format="json")]

    assert [r.status_code for r in shared] == [r.status_code for r in built] == [200, 200]
    assert [r.content for r in shared] == [r.content for r in built]
    assert shared[0].json()["roles"] == ["customer", "employer"]


def test_the_notifications_page_answers_the_bytes_the_per_request_serializer_did(
    monkeypatch,
):
    user = UserFactory()
    created = timezone.now().replace(microsecond=123456)
    for number, data in enumerate([{}, {"n": 1, "é": ["ü", None, 1.5]}, {"nested": {"a": []}}]):
        notification = NotificationFactory(
            user=user,
            title=f"Nº {number} ✓",
            body='line\nbreak "quoted" </script>',
            data=data,
            read_at=created if number % 2 else None,
        )
        Notification.objects.filter(pk=notification.pk).update(  # auto_now_add, set after
            created_at=created - dt.timedelta(seconds=number)
        )
    client = client_for(user)
    queries = ["", "?page_size=2", "?read=true", "?read=false&page_size=1"]

    shared = [client.get(NOTIFICATIONS + query) for query in queries]
    monkeypatch.setattr(NotificationListView, "list", mixins.ListModelMixin.list)
    built = [client.get(NOTIFICATIONS + query) for query in queries]
    following = client.get(shared[1].json()["next"])

    assert {r.status_code for r in [*shared, *built, following]} == {200}
    assert [r.content for r in shared] == [r.content for r in built]
    assert [len(r.json()["results"]) for r in shared] == [3, 2, 1, 1]
    assert [n["read"] for n in shared[0].json()["results"]] == [False, True, False]
    assert len(following.json()["results"]) == 1


def test_the_fields_are_built_once_per_process(monkeypatch):
    built: list[str] = []
    original = identity_serializers.UserSerializer.get_fields

    def counting(self):
        built.append(type(self).__name__)
        return original(self)

    monkeypatch.setattr(identity_serializers.UserSerializer, "get_fields", counting)
    monkeypatch.setattr(identity_views, "_ME", Representation(identity_serializers.UserSerializer))
    clients = [client_for(UserFactory()) for _ in range(3)]

    bodies = [client.get(ME).json() for client in clients]

    assert built == ["UserSerializer"]
    assert len({body["id"] for body in bodies}) == 3


class _WithAFile(serializers.Serializer):
    name = serializers.CharField()
    attachment = serializers.FileField()


def test_a_serializer_that_reads_the_request_is_refused():
    with pytest.raises(TypeError, match="attachment read the request"):
        Representation(_WithAFile).one({"name": "x", "attachment": None})
