"""Tasks: Celery, its queues and routes."""

from __future__ import annotations

from kombu import Exchange, Queue

from .environment import env

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="nexus")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Receipts of tasks delivered through the outbox (their effects run once) are kept this long.
TASK_RECEIPT_DAYS = env.int("TASK_RECEIPT_DAYS", default=7)
# Publishing from a request must not hang when the broker is down: the outbox keeps the task.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# Publisher confirms: a publish returns once the broker has the message (persisted, for
# a durable queue), so the outbox deletes its row only then. Without them a broker that
# crashed moments after a publish lost the task along with the row (tests/faults/
# test_broker_crash.py). A confirm that does not come in time leaves the row for the relay.
CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
CELERY_TASK_PUBLISH_CONFIRM_TIMEOUT = 5.0  # seconds
# Domains add entries through core.tasking.outbox.register_periodic(); see config/celery.py.
CELERY_BEAT_SCHEDULE: dict = {}
# Queues beyond the default one, named after it so a test run or a second deployment
# on the same broker stays apart. A worker started without -Q consumes every queue in
# CELERY_TASK_QUEUES (Makefile, compose, Kubernetes do); tests/infra fails when a
# routed queue is missing from it or from a worker command.
SOCIAL_FANOUT_QUEUE = (
    env("SOCIAL_FANOUT_QUEUE", default="") or f"{CELERY_TASK_DEFAULT_QUEUE}-social-fanout"
)
CELERY_TASK_ROUTES = {
    "social.tasks.feed_fan_out_task": {"queue": SOCIAL_FANOUT_QUEUE},
    "social.tasks.feed_retract_task": {"queue": SOCIAL_FANOUT_QUEUE},
}
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in dict.fromkeys([CELERY_TASK_DEFAULT_QUEUE, SOCIAL_FANOUT_QUEUE])
]
