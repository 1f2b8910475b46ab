"""All-or-nothing management commands: the seeds and imports of every context."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

# The sentence each such command's help ends with.
ALL_OR_NOTHING = (
    "All or nothing: it runs in one transaction, so a failure part-way (an error, "
    "Ctrl-C) leaves none of its rows behind."
)


class AtomicCommand(BaseCommand):
    """A command whose whole run is one database transaction (``execute`` wraps
    ``handle`` in ``transaction.atomic``): an exception part-way, ``KeyboardInterrupt``
    included, rolls back every row it wrote, on PostgreSQL and SQLite alike. What must
    happen only once the rows are in (dropping caches, sending) goes through
    ``transaction.on_commit``. Its ``help`` ends with ``ALL_OR_NOTHING``."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        with transaction.atomic():
            return super().execute(*args, **options)
