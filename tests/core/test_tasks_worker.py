"""Tasks against the real RabbitMQ and a real Celery worker process.

The worker consumes the test queue from the test database; the tests run in
real transactions (``transaction=True``) so the worker sees committed rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from core.http.request_id import set_request_id
from core.notifications.models import Notification
from core.notifications.tasks import notification_email_task
from core.tasking.models import TaskOutbox
from core.tasking.outbox import enqueue_on_commit, outbox_relay
from tests.core.brokers import broker_down
from tests.core.factories import PASSWORD, NotificationFactory
from tests.core.workers import Worker, start_workers

pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def worker(django_db_setup) -> Iterator[Worker]:
    """One worker for the module, on the test database pytest-django created."""
    (started,) = start_workers()
    yield started
    started.stop()


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def emailed(notification: Notification) -> bool:
    return Notification.objects.filter(pk=notification.pk, emailed_at__isnull=False).exists()


def test_task_enqueued_in_a_committed_transaction_runs_on_the_worker(worker):
    notification = NotificationFactory()

    set_request_id("req-commit-42")
    try:
        with transaction.atomic():
            enqueue_on_commit(notification_email_task, notification.pk)
    finally:
        set_request_id(None)

    assert wait_until(lambda: emailed(notification)), "the worker never ran the task"
    assert TaskOutbox.objects.count() == 0  # published, so the outbox row is gone
    # The request id travelled into the task: the worker's log lines carry it.
    assert wait_until(
        lambda: any(
            "[req-commit-42 " in line and f"notification {notification.pk} emailed" in line
            for line in worker.lines
        ),
        timeout=5,
    )


def test_task_enqueued_in_a_rolled_back_transaction_never_runs(worker):
    rolled_back = NotificationFactory()
    committed = NotificationFactory()

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            enqueue_on_commit(notification_email_task, rolled_back.pk)
            raise Rollback

    with pytest.raises(Rollback):
        enqueue_then_fail()
    # Published after the rolled-back one would have been: once it has run, the
    # FIFO queue proves the other was never sent.
    enqueue_on_commit(notification_email_task, committed.pk)

    assert wait_until(lambda: emailed(committed))
    assert not emailed(rolled_back)
    assert TaskOutbox.objects.count() == 0


def test_broker_outage_keeps_the_task_in_the_outbox_and_the_relay_delivers_it(worker):
    notification = NotificationFactory()
    with broker_down():
        with transaction.atomic():
            enqueue_on_commit(notification_email_task, notification.pk)
        kept = TaskOutbox.objects.get()
        assert kept.task_name == "core.tasks.notification_email_task"
        assert kept.args == [notification.pk]
        assert kept.attempts == 1
        assert kept.last_error
        assert outbox_relay(min_age_seconds=0) == 0  # broker still down: still kept
        assert TaskOutbox.objects.count() == 1

    assert outbox_relay(min_age_seconds=0) == 1
    assert wait_until(lambda: emailed(notification))
    assert TaskOutbox.objects.count() == 0


def test_a_write_is_accepted_while_the_broker_is_down_and_its_task_runs_later(worker):
    client = APIClient()
    with broker_down():
        response = client.post(
            "/api/v1/auth/register/",
            {"username": "patient", "email": "patient@example.test", "password": PASSWORD},
            format="json",
            HTTP_X_REQUEST_ID="req-broker-down-1",
        )
        assert response.status_code == 201
        kept = TaskOutbox.objects.get()
        assert kept.task_name == "core.tasks.notification_email_task"
        assert kept.request_id == "req-broker-down-1"  # the request id travels with the task

    welcome = Notification.objects.get(user__username="patient", kind="welcome")
    assert welcome.emailed_at is None
    assert outbox_relay(min_age_seconds=0) == 1
    assert wait_until(lambda: emailed(welcome))
