"""Background work, through the outbox: beat records the close of due polls and the
owner is notified once; the reconciliation finds, logs and repairs tally drift."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from celery import current_app
from django.db import connection
from django.utils import timezone

from core.notifications.models import Notification
from core.tasking.models import TaskOutbox
from polls import services, tasks
from polls.models import Option, Poll
from tests.helpers import assert_problem, client_for
from tests.polls.factories import (
    cast,
    close_by_clock,
    make_poll,
    option_ids,
    poll_state,
    poll_url,
    scheduled,
    tallies,
    user,
)

pytestmark = pytest.mark.django_db

NOTIFY = "polls.tasks.poll_close_notify_task"


def _outbox() -> list[tuple[str, list]]:
    return list(TaskOutbox.objects.order_by("pk").values_list("task_name", "args"))


# --- closing due polls ----------------------------------------------------------------


def test_beat_records_the_close_of_due_polls_only(django_capture_on_commit_callbacks):
    due = make_poll()
    cast(due, user(), 1)
    close_by_clock(due)
    open_poll = make_poll(closes_at=timezone.now() + timedelta(hours=1))
    future = scheduled()
    already = make_poll()
    services.poll_close(poll_id=already.pk, actor=already.owner)
    TaskOutbox.objects.all().delete()
    due.refresh_from_db()
    untouched = [poll_state(poll) for poll in (open_poll, future, already)]

    with django_capture_on_commit_callbacks(execute=False):
        closed = services.polls_close_due()

    assert closed == 1
    after = Poll.objects.get(pk=due.pk)
    assert after.status == "closed"
    assert after.closed_at == due.closes_at
    assert after.version == due.version + 1
    assert [poll_state(poll) for poll in (open_poll, future, already)] == untouched
    assert _outbox() == [(NOTIFY, [due.pk])]

    with django_capture_on_commit_callbacks(execute=False):
        assert services.polls_close_due() == 0  # a second run finds nothing more
    assert _outbox() == [(NOTIFY, [due.pk])]


def test_the_beat_task_closes_due_polls():
    due = [close_by_clock(make_poll()) for _ in range(3)]

    assert tasks.polls_close_due_task.apply().get() == 3
    assert set(
        Poll.objects.filter(pk__in=[p.pk for p in due]).values_list("status", flat=True)
    ) == {"closed"}


def test_beat_does_not_close_a_poll_before_its_deadline():
    poll = make_poll(closes_at=timezone.now() + timedelta(minutes=5))
    before = poll_state(poll)

    assert services.poll_close(poll_id=poll.pk).status == "open"
    assert services.polls_close_due() == 0
    assert poll_state(poll) == before
    assert _outbox() == []


def test_the_owner_closing_enqueues_the_notification_through_the_outbox(
    django_capture_on_commit_callbacks,
):
    poll = make_poll()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(poll.owner).post(poll_url(poll.pk, "close"))

    assert response.status_code == 200
    assert _outbox() == [(NOTIFY, [poll.pk])]
    assert callbacks  # published after commit
    with django_capture_on_commit_callbacks(execute=False):
        client_for(poll.owner).post(poll_url(poll.pk, "close"))
    assert _outbox() == [(NOTIFY, [poll.pk])]  # closing again enqueues nothing


def test_a_refused_close_enqueues_nothing(django_capture_on_commit_callbacks):
    poll = make_poll()
    before = poll_state(poll)

    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(user()).post(poll_url(poll.pk, "close"))

    assert_problem(response, 403, "permission_denied")
    assert _outbox() == []
    assert poll_state(poll) == before
    assert before["poll"]["status"] == "open"


def test_the_owner_is_notified_once_even_if_the_task_runs_twice(django_capture_on_commit_callbacks):
    poll = make_poll(question="Best pizza?", options=["Margherita", "Funghi", "Hawaii"])
    for position in (1, 1, 0):
        cast(poll, user(), position)
    with django_capture_on_commit_callbacks(execute=False):
        services.poll_close(poll_id=poll.pk, actor=poll.owner)
    name, args = _outbox()[0]

    current_app.tasks[name].apply(args=args, throw=True)
    second = current_app.tasks[name].apply(args=args, throw=True)

    assert second.get() is False
    notification = Notification.objects.get()
    assert notification.user_id == poll.owner_id
    assert notification.kind == "polls.poll_closed"
    assert notification.title == "Your poll closed: Best pizza?"
    assert notification.body == "3 voters; most votes: Funghi (2)."
    assert notification.data == {"poll": poll.pk, "voter_count": 3}
    assert Poll.objects.get(pk=poll.pk).close_notified is True


def test_a_poll_without_votes_is_notified_without_a_leader():
    poll = make_poll()
    services.poll_close(poll_id=poll.pk, actor=poll.owner)

    assert services.poll_close_notify(poll_id=poll.pk) is True
    assert Notification.objects.get().body == "0 voters."


def test_an_open_poll_is_not_notified():
    poll = make_poll()

    assert services.poll_close_notify(poll_id=poll.pk) is False
    assert Notification.objects.count() == 0


def test_closing_in_the_embedded_default_notifies_in_process(
    eager, django_capture_on_commit_callbacks
):
    poll = close_by_clock(make_poll())

    with django_capture_on_commit_callbacks(execute=True):
        assert services.polls_close_due() == 1

    assert _outbox() == []
    assert Notification.objects.filter(user=poll.owner, kind="polls.poll_closed").count() == 1


def test_beat_runs_the_polls_tasks():
    schedule = current_app.conf.beat_schedule

    assert schedule["polls.close-due"]["task"] == "polls.tasks.polls_close_due_task"
    assert schedule["polls.reconcile-tallies"]["task"] == "polls.tasks.tallies_reconcile_task"
    assert schedule["polls.close-due"]["schedule"] <= 60


# --- tally reconciliation ---------------------------------------------------------------


@pytest.fixture
def voted():
    poll = make_poll(options=["A", "B", "C"], kind="multiple")
    cast(poll, user(), 0, 1)
    cast(poll, user(), 1)
    cast(poll, user(), 2)
    return poll


def _corrupt(sql: str, *params) -> None:
    """Drift made behind the services' back, as a bug or a manual edit would."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_no_drift_reports_zero_and_logs_nothing(voted, caplog):
    before = poll_state(voted)

    with caplog.at_level(logging.WARNING, logger="polls"):
        assert services.tallies_reconcile() == 0

    assert [r for r in caplog.records if r.name.startswith("polls")] == []
    assert poll_state(voted) == before


def test_option_drift_is_logged_and_repaired(voted, caplog, django_capture_on_commit_callbacks):
    other = make_poll()
    cast(other, user(), 0)
    b = option_ids(voted)[1]
    _corrupt("UPDATE polls_option SET votes = votes + 5 WHERE id = %s", b)
    assert tallies(voted) == [1, 7, 1]
    client_for().get(poll_url(voted.pk, "results"))  # cached with the drift
    version = Poll.objects.get(pk=voted.pk).version
    untouched = poll_state(other)

    with (
        caplog.at_level(logging.WARNING, logger="polls"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.tallies_reconcile() == 1

    assert tallies(voted) == [1, 2, 1]
    assert Poll.objects.get(pk=voted.pk).version == version + 1
    assert poll_state(other) == untouched
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"poll {voted.pk} option {b} drifted: stored 7, votes 2"]
    results = client_for().get(poll_url(voted.pk, "results")).json()
    assert [o["votes"] for o in results["options"]] == [1, 2, 1]  # the cache was dropped
    assert services.tallies_reconcile() == 0


def test_voter_count_drift_is_logged_and_repaired(voted, caplog):
    _corrupt("UPDATE polls_poll SET voter_count = 9 WHERE id = %s", voted.pk)
    _corrupt("UPDATE polls_option SET votes = 0 WHERE poll_id = %s", voted.pk)

    with caplog.at_level(logging.WARNING, logger="polls"):
        assert services.tallies_reconcile() == 1

    assert Poll.objects.get(pk=voted.pk).voter_count == 3
    assert tallies(voted) == [1, 2, 1]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"poll {voted.pk} voter_count drifted: stored 9, ballots 3" in warnings
    assert len(warnings) == 4  # the count, and each of the three options


def test_a_poll_closed_long_ago_is_not_rescanned(voted):
    services.poll_close(poll_id=voted.pk, actor=voted.owner)
    Poll.objects.filter(pk=voted.pk).update(closed_at=timezone.now() - timedelta(days=3))
    _corrupt("UPDATE polls_option SET votes = 50 WHERE poll_id = %s", voted.pk)

    assert services.tallies_reconcile() == 0
    assert services.tallies_reconcile(since=timedelta(days=7)) == 1
    assert tallies(voted) == [1, 2, 1]


def test_the_reconcile_task_runs_the_service(voted):
    Option.objects.filter(poll=voted).update(votes=0)

    assert tasks.tallies_reconcile_task.apply().get() == 1
    assert tallies(voted) == [1, 2, 1]
