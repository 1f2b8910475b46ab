"""RabbitMQ unavailable, deliveries repeated, a worker killed mid-task: on the real
broker with two real Celery workers (tests/core/workers.py) on the test database.

- Writes that enqueue work (an order placed, a post created, an application
  submitted, a poll closed; a vote enqueues nothing) succeed while the broker is
  unreachable; their tasks wait in the core outbox and run once the relay publishes
  them.
- The outbox delivers at least once. Every message is published twice here (a relay
  that crashed after publishing and before deleting its row, then the relay's next
  tick), to two workers at once: each effect still happens exactly once, because the
  outbox row's id is the task's idempotency key (``TaskReceipt``, core.tasking.outbox).
- A worker SIGKILLed in the middle of a task (acks late): RabbitMQ hands the message
  to the other worker, and the effect of the killed run, rolled back with its
  receipt, is not counted twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery import current_app
from django.db import transaction

from core.notifications.models import Notification
from core.tasking.models import TaskOutbox, TaskReceipt
from core.tasking.outbox import NexusTask, _publish, enqueue_on_commit, outbox_relay, receipt_key
from tests.core.brokers import broker_down
from tests.core.workers import Worker, start_workers
from tests.faults.figures import record
from tests.faults.probe import PROBE_KIND, PROBE_TASK
from tests.faults.waits import wait_until
from tests.helpers import client_for

pytestmark = pytest.mark.services
real_transactions = pytest.mark.django_db(transaction=True)  # the workers see commits

SKIPPED = "duplicate delivery skipped"


@pytest.fixture(scope="module")
def workers(django_db_setup) -> Iterator[list[Worker]]:
    started = start_workers(("alpha", "beta"), include=["tests.faults.probe"])
    yield started
    for worker in started:
        worker.stop()


def skipped_lines(workers: list[Worker]) -> int:
    return sum(line.count(SKIPPED) for worker in workers for line in worker.lines)


def test_every_task_acks_late_and_runs_its_effect_once():
    """Every task the code defines is a NexusTask: acknowledged after it ran, requeued
    when its worker dies, and (for outbox deliveries) run once per outbox row."""
    current_app.loader.import_default_modules()
    ours = {
        name: task
        for name, task in current_app.tasks.items()
        if name.split(".", 1)[0] in {"core", "shop", "social", "movies", "jobs", "polls"}
    }
    assert len(ours) >= 20
    wrong = [
        name
        for name, task in ours.items()
        if name != "core.tasks.outbox_relay_task"  # beat's relay: nothing to redo
        and not (
            isinstance(task, NexusTask)
            and task.acks_late
            and task.reject_on_worker_lost
            and task.effect_once
        )
    ]
    assert not wrong, f"not acks-late, effect-once NexusTasks: {wrong}"


@real_transactions
def test_writes_succeed_while_the_broker_is_down_and_each_effect_happens_once(workers):
    from core.identity.roles import Role
    from shop.models import Order
    from social import feed
    from social.services import relationships
    from tests.core.factories import UserFactory
    from tests.fuzz.world import build_world
    from tests.polls.factories import option_ids

    world = build_world()
    customer, moderator = world.users["customer"], world.users["moderator"]
    employer, staff = world.users["employer"], world.users["staff"]
    newcomer = UserFactory(username="fault-candidate", roles=[Role.CUSTOMER, Role.CANDIDATE])
    product, job, poll = world.objects["product"], world.objects["job"], world.objects["poll"]
    options = option_ids(poll)
    # The customer follows the moderator and has a built feed (fan-out skips cold ones).
    relationships.follow_create(user=customer, username=moderator.username)
    assert client_for(customer).get("/api/v1/social/feed/").status_code == 200
    assert wait_until(lambda: TaskOutbox.objects.count() == 0)  # the world's own tasks ran

    requests = errors = 0
    with broker_down():
        responses = {}
        responses["order placed"] = client_for(customer).post(
            "/api/v1/shop/orders/", {"items": [{"product": product.pk, "quantity": 1}]}
        )
        responses["post created"] = client_for(moderator).post(
            "/api/v1/social/posts/", {"content": "Written while the broker is down."}
        )
        responses["application submitted"] = client_for(newcomer).post(
            f"/api/v1/jobs/jobs/{job.pk}/apply/", {"cover_letter": "Hello while down."}
        )
        kept_before_vote = TaskOutbox.objects.count()
        responses["vote cast"] = client_for(staff).post(
            f"/api/v1/polls/polls/{poll.pk}/vote/", {"option": options[1]}
        )
        vote_tasks = TaskOutbox.objects.count() - kept_before_vote
        responses["poll closed"] = client_for(customer).post(
            f"/api/v1/polls/polls/{poll.pk}/close/"
        )
        with transaction.atomic():  # the probe: its effect is not idempotent by itself
            enqueue_on_commit(PROBE_TASK, customer.pk, "broker-down")
        requests += len(responses)
        errors += sum(1 for r in responses.values() if r.status_code >= 400)
        assert {name: r.status_code for name, r in responses.items()} == {
            "order placed": 201,
            "post created": 201,
            "application submitted": 201,
            "vote cast": 201,
            "poll closed": 200,
        }, {name: r.content[:300] for name, r in responses.items()}
        assert vote_tasks == 0  # a vote enqueues nothing: tallies are in the same write
        kept = list(TaskOutbox.objects.order_by("id"))
        assert {row.task_name for row in kept} == {
            "shop.tasks.order_confirmation_task",
            "social.tasks.feed_fan_out_task",
            "jobs.tasks.application_event_notify_task",
            "polls.tasks.poll_close_notify_task",
            PROBE_TASK,
        }
        assert all(row.attempts == 1 and row.last_error for row in kept)
        assert outbox_relay(min_age_seconds=0) == 0  # still down: still kept
        time.sleep(1)
        keys = [receipt_key(row.pk) for row in kept]
        assert not TaskReceipt.objects.filter(key__in=keys).exists()  # none of them ran

    order = Order.objects.get(pk=responses["order placed"].json()["id"])
    post_id = responses["post created"].json()["id"]
    application_id = responses["application submitted"].json()["id"]
    # A relay crashed after publishing every row and before deleting any: all published
    # once, all still in the outbox. Its next tick publishes them again.
    for row in kept:
        _publish(row.task_name, row.args, row.kwargs, row.request_id, outbox_id=row.pk)
    assert outbox_relay(min_age_seconds=0) == len(kept)
    assert not TaskOutbox.objects.filter(pk__in=[row.pk for row in kept]).exists()

    effects: dict[str, Callable[[], int]] = {
        "order confirmation": lambda: Notification.objects.filter(
            kind="shop.order_placed", data__order=order.pk
        ).count(),
        "fan-out to the follower's feed": lambda: int(
            post_id
            in [
                entry.post_id
                for entry in (feed.read(customer.pk, before=None, count=50) or ([], 0))[0]
            ]
        ),
        "application received (employer)": lambda: Notification.objects.filter(
            kind="jobs.application_received", user=employer, data__application=application_id
        ).count(),
        "poll closed (owner)": lambda: Notification.objects.filter(
            kind="polls.poll_closed", data__poll=poll.pk
        ).count(),
        "probe": lambda: Notification.objects.filter(kind=PROBE_KIND, title="broker-down").count(),
    }
    assert wait_until(lambda: TaskReceipt.objects.filter(key__in=keys).count() == len(kept))
    assert wait_until(lambda: skipped_lines(workers) >= len(kept)), "duplicates never arrived"
    assert wait_until(lambda: all(count() >= 1 for count in effects.values()))
    time.sleep(0.5)  # anything still running would show now
    counts = {name: count() for name, count in effects.items()}
    order.refresh_from_db()
    record(
        "RabbitMQ down: order, post, application, vote, poll close; each task published twice",
        requests=requests,
        errors=errors,
        tasks=len(kept),
        lost=sum(1 for n in counts.values() if n == 0),
        duplicated=sum(n - 1 for n in counts.values() if n > 1),
        note="a vote enqueues nothing; 2 workers; every task's second delivery skipped "
        "by its receipt",
    )
    assert counts == dict.fromkeys(effects, 1)
    assert order.confirmation_sent_at is not None


@real_transactions
def test_a_worker_killed_mid_task_is_replaced_and_the_effect_happens_once(workers, tmp_path):
    from tests.core.factories import UserFactory

    user = UserFactory()
    hold = tmp_path / "running.pid"
    with transaction.atomic():
        enqueue_on_commit(PROBE_TASK, user.pk, "killed", str(hold))
    assert wait_until(lambda: hold.exists() and hold.read_text().strip() != ""), (
        "the task never started"
    )
    victim_pid = int(Path(hold).read_text())
    (victim,) = [worker for worker in workers if worker.pid == victim_pid]
    (survivor,) = [worker for worker in workers if worker is not victim]
    # Mid-task: the first run's effect is written (uncommitted) and it is sleeping.
    victim.kill()

    ran_again = wait_until(
        lambda: any("probe killed ran" in line for line in survivor.lines), timeout=30
    )
    once = wait_until(
        lambda: Notification.objects.filter(kind=PROBE_KIND, title="killed").count() == 1
    )
    time.sleep(0.5)
    count = Notification.objects.filter(kind=PROBE_KIND, title="killed").count()
    record(
        "Celery worker SIGKILLed mid-task (acks late), 2 workers",
        tasks=1,
        lost=int(count == 0),
        duplicated=max(0, count - 1),
        note="redelivered to the other worker; the killed run's effect rolled back "
        "with its receipt",
    )
    assert ran_again, "the task did not run again on the other worker"
    assert once
    assert count == 1
    assert TaskReceipt.objects.filter(task_name=PROBE_TASK).count() == 1


@pytest.mark.django_db
def test_receipts_older_than_their_days_are_purged(settings):
    from datetime import timedelta

    from django.utils import timezone

    from core.tasking.outbox import task_receipts_purge

    settings.TASK_RECEIPT_DAYS = 7
    old = TaskReceipt.objects.create(key=receipt_key(1), task_name="x")
    recent = TaskReceipt.objects.create(key=receipt_key(2), task_name="x")
    TaskReceipt.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert task_receipts_purge() == 1
    assert list(TaskReceipt.objects.values_list("pk", flat=True)) == [recent.pk]
    assert "core.task-receipts-purge" in current_app.conf.beat_schedule
