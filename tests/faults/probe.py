"""A task with an effect that is not idempotent by itself, for the delivery tests: each
run inserts one notification. The workers of tests/faults import it (``--include``).

With ``hold`` (a file path) the first run writes its process id there after its effect
and then waits, so a test can kill its worker in the middle of the task; a later run
(the redelivery) finds the file and finishes at once.

With ``gate`` (a file path) a run writes its process id to ``<gate>.started`` after its
effect and waits until the test creates ``gate``: the worker stays busy (and its broker
keeps the messages that arrive meanwhile) for as long as the test wants.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from celery import shared_task

from core.notifications.services import notification_create
from core.tasking.outbox import NexusTask

logger = logging.getLogger(__name__)

PROBE_TASK = "faults.probe_task"
PROBE_KIND = "faults.probe"


@shared_task(name=PROBE_TASK, base=NexusTask)
def probe_task(user_id: int, token: str, hold: str = "", gate: str = "") -> int:
    notification_create(user_id=user_id, kind=PROBE_KIND, title=token)
    logger.info("probe %s ran in process %s", token, os.getpid())
    if hold and not Path(hold).exists():
        Path(hold).write_text(str(os.getpid()))
        time.sleep(60)  # killed before this ends
    if gate:
        Path(f"{gate}.started").write_text(str(os.getpid()))
        deadline = time.monotonic() + 60
        while not Path(gate).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return os.getpid()
