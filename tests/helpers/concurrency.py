"""Races on the real PostgreSQL: real threads, each with its own connection and its own
committed transactions (the tests using it need ``django_db(transaction=True)``),
released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection

# Each thread holds a database connection until it ends; more than this would crowd
# PostgreSQL's max_connections (100 by default), shared with the suite's servers.
MAX_THREADS = 50


def race(work: Callable[[Any], Any], arguments: Iterable[Any], *, timeout: float = 30) -> list[Any]:
    """Run ``work(argument)`` for every argument in its own thread, all released at
    once by a barrier; each thread closes its own database connection when done.

    Returns, in argument order, what each call returned or the exception it raised:
    an exception is a value here, so compare the whole list, or check ``raised``."""
    arguments = list(arguments)
    assert 0 < len(arguments) <= MAX_THREADS, len(arguments)
    barrier = threading.Barrier(len(arguments))
    outcomes: list[Any] = [None] * len(arguments)

    def run(index: int, argument: Any) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = work(argument)
        except BaseException as error:  # returned to the caller, in order
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, argument), name=f"race-{index}")
        for index, argument in enumerate(arguments)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def raised(outcomes: list[Any]) -> list[BaseException]:
    """The exceptions among ``race``'s outcomes, in order (``== []``: none raised)."""
    return [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
