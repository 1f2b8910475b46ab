"""Primary/replica routing, active only when ``DATABASE_REPLICA_URL`` is set.

Reads go to the replica unless the primary is inside a transaction (so a
service reads its own writes); every write goes to the primary.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Model


class PrimaryReplicaRouter:
    primary = "default"
    replica = "replica"

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if connections[self.primary].in_atomic_block:
            return self.primary
        return self.replica

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return self.primary

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == self.primary
