from __future__ import annotations

import pytest
from django.db import transaction

from core.notifications.models import Notification
from core.tasking import events
from tests.core.factories import UserFactory


@pytest.fixture
def received():
    seen: list[events.Event] = []

    def handler(event: events.UserRegistered) -> None:
        seen.append(event)

    events.subscribe(events.UserRegistered, handler)
    yield seen
    events.unsubscribe(events.UserRegistered, handler)


def registered() -> events.UserRegistered:
    user = UserFactory()  # the real core handler (welcome notification) needs a real user
    return events.UserRegistered(
        user_id=user.pk, username=user.username, email=user.email, roles=("customer",)
    )


@pytest.mark.django_db
def test_handlers_run_after_commit(received, django_capture_on_commit_callbacks):
    event = registered()
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(event)
        assert received == []  # nothing before the commit

    assert received == [event]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_dispatched_for_a_rolled_back_write(received):
    def write_then_fail() -> None:
        with transaction.atomic():
            events.publish(registered())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()

    assert received == []


@pytest.mark.django_db
def test_a_failing_handler_does_not_stop_the_others(received, django_capture_on_commit_callbacks):
    event = registered()

    def broken(event):
        Notification.objects.create(user_id=event.user_id, kind="partial", title="half done")
        raise ValueError("boom")

    events.subscribe(events.UserRegistered, broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish(event)
    finally:
        events.unsubscribe(events.UserRegistered, broken)

    assert received == [event]
    # The broken handler's own write was rolled back; the welcome handler's stayed.
    kinds = set(Notification.objects.filter(user_id=event.user_id).values_list("kind", flat=True))
    assert kinds == {"welcome"}


def test_subscribing_twice_registers_once(received):
    handlers = events.handlers_for(events.UserRegistered)
    events.subscribe(events.UserRegistered, handlers[-1])

    assert events.handlers_for(events.UserRegistered) == handlers


@pytest.mark.django_db
def test_events_are_frozen_and_timestamped_in_utc():
    event = registered()

    with pytest.raises(AttributeError):
        event.user_id = 2  # type: ignore[misc]
    assert event.occurred_at.utcoffset().total_seconds() == 0
