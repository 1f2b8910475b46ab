"""Bare sandbox users (``ProofRun.users(..., bare=True)``): thousands go at the end of a
proof in one statement; any still referred to go the ORM's way, with what refers to them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.identity.models import User
from core.notifications.models import Notification
from core.notifications.services import notification_create
from core.site.proofs import ProofRun


def _deletes(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if query["sql"].startswith("DELETE")]


@pytest.mark.django_db(transaction=True)
def test_bare_users_go_in_one_statement():
    before = User.objects.count()
    run = ProofRun()
    run.users("bare", 1200, bare=True)
    run.user("dressed")

    with CaptureQueriesContext(connection) as queries:
        errors = run.tear_down()

    assert errors == []
    assert User.objects.count() == before
    bare = [sql for sql in _deletes(queries) if sql.startswith('DELETE FROM "core_user" WHERE')]
    assert len(bare) == 2  # the 1,200 bare users in one, the other user the ORM's way


@pytest.mark.django_db(transaction=True)
def test_a_bare_user_still_referred_to_goes_the_orms_way_with_what_refers_to_it():
    run = ProofRun()
    alone, told = run.users("bare", 2, bare=True)
    notification_create(user_id=told.pk, kind="test", title="still refers to its user")

    errors = run.tear_down()

    assert errors == []
    assert not User.objects.filter(pk__in=[alone.pk, told.pk]).exists()
    assert not Notification.objects.filter(user_id=told.pk).exists()


@pytest.mark.django_db
def test_inside_a_callers_transaction_bare_users_go_the_orms_way():
    run = ProofRun()
    made = run.users("bare", 3, bare=True)

    with CaptureQueriesContext(connection) as queries:
        errors = run.tear_down()

    assert errors == []
    assert not User.objects.filter(pk__in=[user.pk for user in made]).exists()
    assert any('"core_notification"' in sql for sql in _deletes(queries))  # the cascade ran
