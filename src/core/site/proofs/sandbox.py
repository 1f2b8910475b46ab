"""What a proof runs in: sandbox users made fast, real threads on their own database
connections, a query counter across all of them, and clean-up that always runs."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, connections, transaction

from core.http.catalogue import ProblemError
from core.identity.models import User

_T = TypeVar("_T")

# Every sandbox username starts with this (and a run's own token), so a proof's leftovers
# would be recognisable, and no demo account can be taken for one.
SANDBOX_PREFIX = "proof-"


class ProofRun:
    """One run of one proof. ``users`` makes accounts without password hashing;
    ``cleanup`` registers what to remove (run last-first, then the users go);
    ``race`` runs a function on several threads at once, each on its own connection."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(4)
        self.embedded = connection.vendor == "sqlite"
        self.queries = 0
        self._lock = threading.Lock()
        self._cleanups: list[Callable[[], object]] = []
        self._user_ids: list[int] = []
        self._bare_ids: list[int] = []

    # ---- sizes -------------------------------------------------------------------------
    def threads(self, wanted: int, *, embedded: int | None = None) -> int:
        """``wanted`` threads, or ``embedded`` on the embedded default's SQLite, which
        takes one writer at a time (its writers queue on the busy timeout)."""
        return embedded if self.embedded and embedded is not None else wanted

    # ---- sandbox objects ---------------------------------------------------------------
    def name(self, label: str) -> str:
        return f"{SANDBOX_PREFIX}{self.token}-{label}"

    def users(self, label: str, count: int, *, bare: bool = False) -> list[User]:
        """``count`` active accounts that cannot sign in (no password hashing: one
        unusable password for all), removed after the run.

        ``bare`` accounts are the proof's promise that nothing refers to them once its
        clean-ups have run (thousands of followers, say): they go in one statement per
        5,000, without the ORM's cascade and per-row signals (identity's "forget the
        cached user" among them: a sandbox user never signed in, so nothing of theirs is
        cached). Should anything still refer to them, the database refuses the statement
        and they go the ORM's way after all."""
        unusable = make_password(None)
        made = User.objects.bulk_create(
            [
                User(
                    username=self.name(f"{label}-{index}"),
                    email=f"{self.name(f'{label}-{index}')}@proofs.nexus.localhost",
                    password=unusable,
                )
                for index in range(count)
            ],
            batch_size=2000,
        )
        if any(user.pk is None for user in made):  # backends without RETURNING
            made = list(
                User.objects.filter(username__startswith=self.name(f"{label}-")).order_by("pk")
            )
        (self._bare_ids if bare else self._user_ids).extend(user.pk for user in made)
        return made

    def user(self, label: str) -> User:
        return self.users(label, 1)[0]

    def cleanup(self, remove: Callable[[], object]) -> None:
        """Run ``remove`` when the proof ends, whatever happens (last registered first,
        before the sandbox users are deleted)."""
        self._cleanups.append(remove)

    def tear_down(self) -> list[str]:
        """Remove everything; returns the errors met (each clean-up still runs)."""
        errors = []
        for remove in reversed(self._cleanups):
            try:
                remove()
            except Exception as error:  # one failed clean-up must not skip the rest
                errors.append(f"{type(error).__name__}: {error}")
        try:
            left = self._user_ids + self._remove_bare()
        except Exception as error:  # the ORM's way for all of them, then
            errors.append(f"{type(error).__name__}: {error}")
            left = self._user_ids + self._bare_ids
        try:
            for start in range(0, len(left), 500):
                User.objects.filter(pk__in=left[start : start + 500]).delete()
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
        return errors

    def _remove_bare(self) -> list[int]:
        """Delete the bare users, one statement per 5,000; returns those still referred
        to (their statement was refused). Inside a caller's transaction the foreign keys
        are checked only at its commit, too late to fall back: all go the ORM's way."""
        if connection.in_atomic_block:
            return self._bare_ids
        left: list[int] = []
        for start in range(0, len(self._bare_ids), 5000):
            chunk = self._bare_ids[start : start + 5000]
            try:
                with transaction.atomic():  # the deferred foreign keys are checked here
                    User.objects.filter(pk__in=chunk)._raw_delete(User.objects.db)
            except IntegrityError:
                left += chunk
        return left

    # ---- threads -------------------------------------------------------------------------
    def _count(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        with self._lock:
            self.queries += 1
        return execute(sql, params, many, context)

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Count this thread's queries into ``queries``."""
        with connection.execute_wrapper(self._count):
            yield

    def race(self, count: int, work: Callable[[int], _T]) -> list[_T | BaseException]:
        """Run ``work(0)``, ..., ``work(count - 1)`` on ``count`` threads released at
        once; each result, or the exception it raised, in order. Each thread opens its
        own connection and closes it."""
        barrier = threading.Barrier(count)
        results: list[_T | BaseException] = [RuntimeError("did not run")] * count

        def one(index: int) -> None:
            try:
                with self.counting():
                    barrier.wait(timeout=30)
                    results[index] = work(index)
            except BaseException as error:
                results[index] = error
            finally:
                connections.close_all()

        workers = [
            threading.Thread(target=one, args=(index,), daemon=True) for index in range(count)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        return results


def tally(results: Sequence[object]) -> dict[str, int]:
    """How many threads ended each way: ``ok`` for a returned value, the problem code
    for a refusal (``ProblemError``), else the exception's class name."""
    counts: dict[str, int] = {}
    for result in results:
        if isinstance(result, ProblemError):
            key = result.problem.code
        elif isinstance(result, BaseException):
            key = type(result).__name__
        else:
            key = "ok"
        counts[key] = counts.get(key, 0) + 1
    return counts
