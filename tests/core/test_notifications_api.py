"""The caller's notifications: own only, newest first, cursor-paginated, mark read."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from core.notifications.models import Notification
from tests.core.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/auth/notifications/"
READ = "/api/v1/auth/notifications/read/"


def _ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def _newest_first(notifications: list[Notification]) -> list[int]:
    return [n.pk for n in sorted(notifications, key=lambda n: (n.created_at, n.pk), reverse=True)]


def test_list_shows_only_my_notifications_newest_first(auth_client, user):
    mine = NotificationFactory.create_batch(3, user=user)
    NotificationFactory.create_batch(2, user=UserFactory())

    response = auth_client.get(LIST)

    assert response.status_code == 200
    assert _ids(response) == _newest_first(mine)
    assert response.json()["next"] is None
    assert response.json()["previous"] is None
    first = response.json()["results"][0]
    assert set(first) == {"id", "kind", "title", "body", "data", "created_at", "read_at", "read"}
    assert first["read"] is False
    assert first["read_at"] is None


def test_list_requires_authentication(api_client, user):
    NotificationFactory(user=user)

    response = api_client.get(LIST)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"


def test_cursor_next_link_returns_the_rest(auth_client, user):
    notifications = NotificationFactory.create_batch(25, user=user)
    expected = _newest_first(notifications)

    first = auth_client.get(LIST)
    assert _ids(first) == expected[:20]
    next_url = first.json()["next"]
    assert next_url is not None
    assert "cursor=" in urlsplit(next_url).query

    second = auth_client.get(next_url)

    assert second.status_code == 200
    assert _ids(second) == expected[20:]
    assert second.json()["next"] is None
    assert second.json()["previous"] is not None


def test_cursor_page_is_stable_when_new_notifications_arrive(auth_client, user):
    older = NotificationFactory.create_batch(4, user=user)
    first = auth_client.get(LIST, {"page_size": 2})
    NotificationFactory.create_batch(3, user=user)

    second = auth_client.get(first.json()["next"])

    assert _ids(second) == _newest_first(older)[2:]


def test_page_size_goes_up_to_100_and_beyond_is_a_400(auth_client, user):
    Notification.objects.bulk_create(
        [Notification(user=user, kind="test", title=f"n{i}") for i in range(105)]
    )

    full = auth_client.get(LIST, {"page_size": 100})
    over = auth_client.get(LIST, {"page_size": 500})
    malformed = auth_client.get(LIST, {"page_size": "abc"})

    assert full.status_code == 200
    assert len(full.json()["results"]) == 100
    assert full.json()["next"] is not None
    for refused in (over, malformed):
        assert refused.status_code == 400
        assert list(refused.json()["errors"]) == ["page_size"]


def test_page_size_can_be_smaller(auth_client, user):
    NotificationFactory.create_batch(5, user=user)

    response = auth_client.get(LIST, {"page_size": 2})

    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize(
    ("query", "read"),
    [
        ({"read": "false"}, False),
        ({"read": "0"}, False),
        ({"read": "true"}, True),
        ({"unread": "true"}, False),  # the deprecated inverse keeps working
        ({"unread": "1"}, False),
        ({"unread": "false"}, True),
        ({"read": "true", "unread": "false"}, True),
    ],
)
def test_read_filters_by_the_read_field(auth_client, user, query, read):
    """The filter is named after the field it filters, `read`, and takes its values."""
    unread = NotificationFactory.create_batch(2, user=user)
    already_read = NotificationFactory.create_batch(3, user=user, read_at=timezone.now())

    response = auth_client.get(LIST, query)

    assert response.status_code == 200
    assert _ids(response) == _newest_first(already_read if read else unread)
    assert {item["read"] for item in response.json()["results"]} == {read}


@pytest.mark.parametrize("name", ["read", "unread"])
def test_bad_read_value_is_a_validation_problem_naming_the_parameter_sent(auth_client, user, name):
    NotificationFactory(user=user)

    response = auth_client.get(LIST, {name: "maybe"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"] == {name: [{"message": "Use true or false.", "code": "invalid"}]}


def test_read_and_its_deprecated_inverse_must_agree(auth_client, user):
    response = auth_client.get(LIST, {"read": "true", "unread": "true"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["unread"]


def test_mark_read_by_ids_ignores_other_users_notifications(auth_client, user):
    a, b, _c = NotificationFactory.create_batch(3, user=user)
    theirs = NotificationFactory(user=UserFactory())

    response = auth_client.post(READ, {"ids": [a.pk, theirs.pk]}, format="json")

    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 2}
    a.refresh_from_db()
    b.refresh_from_db()
    theirs.refresh_from_db()
    assert a.read_at is not None
    assert b.read_at is None
    assert theirs.read_at is None


def test_mark_read_without_ids_marks_all_of_mine(auth_client, user):
    NotificationFactory.create_batch(3, user=user)
    earlier = timezone.now()
    NotificationFactory(user=user, read_at=earlier)
    theirs = NotificationFactory(user=UserFactory())

    response = auth_client.post(READ, {}, format="json")

    assert response.status_code == 200
    assert response.json() == {"marked": 3, "unread": 0}
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert Notification.objects.get(user=user, read_at=earlier)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_refuses_bad_ids_and_changes_nothing(auth_client, user):
    mine = NotificationFactory(user=user)

    response = auth_client.post(READ, {"ids": ["abc"]}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["errors"]) == ["ids.0"]  # dotted path to the bad item
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_read_requires_authentication(api_client, user):
    mine = NotificationFactory(user=user)

    response = api_client.post(READ, {}, format="json")

    assert response.status_code == 401
    mine.refresh_from_db()
    assert mine.read_at is None


@pytest.mark.parametrize("count", [5, 50])
def test_list_query_count_does_not_grow_with_notifications(
    auth_client, user, count, django_assert_num_queries
):
    NotificationFactory.create_batch(count, user=user)

    # The token's user and its roles on a cold cache (then cached), and one page of
    # notifications (cursor pagination needs no COUNT).
    with django_assert_num_queries(3):
        response = auth_client.get(LIST, {"page_size": 100})
    with django_assert_num_queries(1):
        again = auth_client.get(LIST, {"page_size": 100})

    assert again.content == response.content

    assert response.status_code == 200
    assert len(response.json()["results"]) == count
