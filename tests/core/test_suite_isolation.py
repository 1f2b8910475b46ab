"""The suite's own guarantee that a transactional test's teardown survives the servers it
started: see ``_flush_outlasts_live_servers`` in tests/conftest.py."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.management.sql import sql_flush
from django.db import connection, transaction

from core.identity.models import User
from tests.core.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def _truncate_waits_on(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock'"
            " AND relation = %s::regclass",
            [f'"{table}"'],
        )
        return cursor.fetchone()[0] > 0


def test_flush_outlasts_a_reader_that_deadlocks_with_it():
    """A reader holds the TRUNCATE's last table and then reads its first one: the
    deadlock PostgreSQL breaks by aborting the TRUNCATE (which waited first). The
    flush runs again once the reader is done, and every row is gone."""
    tables = re.findall(r'"([^"]+)"', sql_flush(no_style(), connection)[0])
    first, last = tables[0], tables[-1]
    UserFactory.create_batch(2)
    holding, truncate_waits, outcome = threading.Event(), threading.Event(), {}

    def reader():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f'LOCK TABLE "{last}" IN ACCESS SHARE MODE')
                holding.set()
                assert truncate_waits.wait(20)
                cursor.execute(f'SELECT count(*) FROM "{first}"')  # noqa: S608 (a model's table)
            outcome["reader"] = "read"
        except Exception as error:  # the deadlock victim, had PostgreSQL picked the reader
            outcome["reader"] = repr(error)
        finally:
            connection.close()

    def watcher():
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not _truncate_waits_on(last):
                time.sleep(0.02)
            truncate_waits.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=reader), threading.Thread(target=watcher)]
    threads[0].start()
    assert holding.wait(10)
    threads[1].start()
    call_command("flush", interactive=False, verbosity=0)
    for thread in threads:
        thread.join(20)

    assert truncate_waits.is_set()
    assert outcome == {"reader": "read"}
    assert User.objects.count() == 0
