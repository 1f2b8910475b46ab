"""RabbitMQ crashes with messages queued: a node of the test's own
(tests/faults/rabbitmq_server.py; the system's RabbitMQ is not touched) under a real
Celery worker (tests/core/workers.py) on the test database.

- The worker is busy with a task (the probe's gate) while writes enqueue more: their
  messages wait in the broker (published, the outbox rows gone).
- The node is killed (SIGKILL: no shutdown). Writes go on succeeding: their tasks
  wait in the core outbox.
- The node comes back (same name, port and data). The same worker process reconnects,
  the relay (beat's ``outbox_relay``) publishes the outbox, and every task runs once:
  the ones queued before the crash, the ones kept in the outbox, and the busy one,
  whose message was never acknowledged, so the broker hands it over again and its
  receipt skips it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction

from core.notifications.models import Notification
from core.tasking.models import TaskOutbox, TaskReceipt
from core.tasking.outbox import enqueue_on_commit, outbox_relay
from tests.core.brokers import broker_at
from tests.core.workers import Worker, start_workers
from tests.faults.figures import record
from tests.faults.probe import PROBE_KIND, PROBE_TASK
from tests.faults.rabbitmq_server import RabbitNode
from tests.faults.waits import wait_until
from tests.helpers import client_for

pytestmark = pytest.mark.services

SKIPPED = "duplicate delivery skipped"
CONNECTED = "Connected to amqp://"


@pytest.fixture(scope="module")
def node(tmp_path_factory) -> Iterator[RabbitNode]:
    started = RabbitNode(tmp_path_factory.mktemp("rabbitmq")).start()
    yield started
    started.crash()  # a throwaway node: no clean shutdown needed


@pytest.fixture(scope="module")
def worker(node, django_db_setup) -> Iterator[Worker]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CELERY_BROKER_URL", node.url)
        (started,) = start_workers(("crash",), include=["tests.faults.probe"])
    yield started
    started.kill()  # a throwaway worker, idle by now: no clean shutdown needed


def probe(user_id: int, token: str, **kwargs: str) -> None:
    with transaction.atomic():
        enqueue_on_commit(PROBE_TASK, user_id, token, **kwargs)


def probes(token: str) -> int:
    return Notification.objects.filter(kind=PROBE_KIND, title=token).count()


@pytest.mark.django_db(transaction=True)  # the worker sees what the test commits
def test_a_broker_crash_with_messages_queued_loses_no_task_and_runs_each_once(
    node, worker, tmp_path
):
    gate = tmp_path / "gate"
    try:
        with broker_at(node.url):
            ordered, applied, employer = crash_under_writes(node, worker, gate)
    finally:
        gate.touch()  # the busy task ends (if a failure left it waiting)

    order_id, application_id = ordered.json()["id"], applied.json()["id"]
    effects: dict[str, Callable[[], int]] = {
        "busy probe (redelivered)": lambda: probes("busy"),
        "order confirmation (queued)": lambda: Notification.objects.filter(
            kind="shop.order_placed", data__order=order_id
        ).count(),
        "probe (queued)": lambda: probes("queued"),
        "application received (outbox)": lambda: Notification.objects.filter(
            kind="jobs.application_received", user=employer, data__application=application_id
        ).count(),
        "probe (outbox)": lambda: probes("outage"),
    }
    ran = wait_until(lambda: all(count() >= 1 for count in effects.values()), timeout=30)
    redelivered = wait_until(lambda: worker.output().count(SKIPPED) >= 1, timeout=10)
    time.sleep(0.5)  # a duplicate still running would show now
    counts = {name: count() for name, count in effects.items()}
    record(
        "RabbitMQ node killed (SIGKILL) with messages queued, then restarted; 1 worker",
        requests=2,
        errors=0,
        tasks=len(effects),
        lost=sum(1 for n in counts.values() if n == 0),
        duplicated=sum(n - 1 for n in counts.values() if n > 1),
        note=f"2 tasks queued in the broker, 2 kept in the outbox, 1 unacknowledged; node "
        f"started in {node.started_in[0]:.1f} s, back in {node.started_in[-1]:.1f} s",
    )
    assert ran, f"{counts}\n{worker.output()[-4000:]}"
    assert counts == dict.fromkeys(effects, 1), counts
    assert redelivered, "the unacknowledged task was not delivered again"
    assert worker.process.poll() is None  # the same process, reconnected
    assert worker.output().count(CONNECTED) >= 2
    assert TaskReceipt.objects.filter(task_name=PROBE_TASK).count() == 3


def crash_under_writes(node: RabbitNode, worker: Worker, gate: Path) -> tuple[Any, Any, Any]:
    """Writes before and during the crash; returns the order's and the application's
    responses, and the employer the application notifies."""
    from tests.jobs.factories import candidate, make_job, owner_of
    from tests.shop.factories import customer, make_product

    buyer, applicant = customer(), candidate()
    product, job = make_product(stock=100), make_job()
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    assert wait_until(lambda: not TaskOutbox.objects.exists())  # the set-up's tasks
    probe(buyer.pk, "busy", gate=str(gate))  # the worker takes it and waits
    assert wait_until(lambda: gate.with_name("gate.started").exists()), worker.output()

    # Broker up, worker busy: these tasks are published and wait in the broker.
    ordered = client_for(buyer).post(
        "/api/v1/shop/orders/", {"items": [{"product": product.pk, "quantity": 1}]}
    )
    probe(buyer.pk, "queued")
    assert not TaskOutbox.objects.exists()  # published: the outbox let them go
    node.crash()  # at once: what the broker took is all there is of those two tasks
    assert ordered.status_code == 201, ordered.content

    applied = client_for(applicant).post(f"/api/v1/jobs/jobs/{job.pk}/apply/", {})
    probe(buyer.pk, "outage")
    assert applied.status_code == 201, applied.content  # writes go on
    kept = list(TaskOutbox.objects.all())
    assert sorted(row.task_name for row in kept) == sorted(
        ["jobs.tasks.application_event_notify_task", PROBE_TASK]
    )
    assert all(row.attempts == 1 for row in kept)  # tried once, kept for the relay

    node.start()  # the same node, port and data
    # The worker, still busy, has taken nothing from the node since: it is back with the
    # busy task (never acknowledged) and the two queued before the crash, all ready. (A
    # set-up task acknowledged moments before the crash may be back too: the node writes
    # acknowledgements to disk lazily. Its receipt skips it.)
    ready, taken = node.messages(queue)
    assert (ready >= 3, taken) == (True, 0), (ready, taken)
    gate.touch()  # the busy task ends; its acknowledgement has no connection to go to
    assert wait_until(
        lambda: outbox_relay(min_age_seconds=0) >= 0 and not TaskOutbox.objects.exists()
    )
    return ordered, applied, owner_of(job.company)
