"""enqueue_on_commit in the embedded (eager) mode and with the real broker."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.notifications.models import Notification
from core.tasking.models import TaskOutbox
from tests.core.factories import PASSWORD

REGISTER = "/api/v1/auth/register/"


def register(client: APIClient, name: str):
    return client.post(
        REGISTER,
        {"username": name, "email": f"{name}@example.test", "password": PASSWORD},
        format="json",
    )


@pytest.mark.django_db
def test_eager_mode_runs_the_task_after_commit(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    with django_capture_on_commit_callbacks(execute=True):
        response = register(APIClient(), "eager")

    assert response.status_code == 201
    assert [mail.to for mail in mailoutbox] == [["eager@example.test"]]
    assert Notification.objects.get(user__username="eager").emailed_at is not None
    assert TaskOutbox.objects.count() == 0  # eager mode needs no outbox


@pytest.mark.django_db
def test_a_failing_task_after_commit_is_logged_not_a_500(
    settings, caplog, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # SMTP refuses

    with django_capture_on_commit_callbacks(execute=True):
        response = register(APIClient(), "unlucky")

    assert response.status_code == 201  # the write committed; the email failed
    welcome = Notification.objects.get(user__username="unlucky")
    assert welcome.emailed_at is None
    assert "on_commit" in caplog.text


FIRST_TASKS_AT_ONCE = """
import threading
import django

django.setup()
from celery import current_app
from core.tasking.outbox import registered_task

names = ["social.tasks.feed_fan_out_task", "shop.tasks.order_confirmation_task"] * 4
assert not set(names) & set(current_app.tasks), "a tasks module was imported already"
barrier, found = threading.Barrier(len(names)), []

def need(name):
    barrier.wait()
    try:
        found.append(registered_task(name).name)
    except Exception as error:
        found.append(repr(error))

threads = [threading.Thread(target=need, args=(name,)) for name in names]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sorted(found))
"""


def test_threads_needing_their_first_task_at_once_all_find_it():
    """A web process imports its tasks modules when it first needs a task; threads that
    need one at the same moment all wait for that import (before, all but one met
    Celery's NotRegistered, and the on-commit work of their writes was lost)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", FIRST_TASKS_AT_ONCE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[-2] == str(
        sorted(["social.tasks.feed_fan_out_task", "shop.tasks.order_confirmation_task"] * 4)
    )
