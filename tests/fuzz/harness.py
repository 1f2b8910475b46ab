"""The fuzzing harness: schemathesis cases driven through the WSGI app, in the test's thread.

One *run* is one API operation fuzzed as one identity (anonymous, or a role's token).
It sends a fixed list of hostile requests first (``hostile_requests``: what an attacker
sends and a schema does not describe), then the cases schemathesis' own test builder
makes, as its CLI does: the schema's examples, the coverage phase's boundary and invalid
values, then Hypothesis' positive and negative generation. Each case goes in-process to
the WSGI application inside a savepoint that is rolled back afterwards, so every case
starts from the same database and a failed SQL statement cannot poison the next one.
(``create_test`` is schemathesis' internal builder, pinned with it in uv.lock; its public
``schema.parametrize()`` makes one pytest test per operation, with no time budget and no
collection of every failure.)

Nothing is raised from inside Hypothesis: every failing check is recorded, deduplicated
(same operation, check, kind of failure and, for server errors, the exception behind
it) and kept with the shortest request that reproduced it, so a run reports every
distinct failure, not the first one.

A run stops when its examples are done or its share of the time budget is spent
(``Budget``): Hypothesis is interrupted between two cases by an exception it does not
catch (``_BudgetSpent`` derives from BaseException, like KeyboardInterrupt).
Generation is seeded: the session picks ``NEXUS_FUZZ_SEED`` (a fresh one unless it is
given: tests/fuzz/runlog.py) and every run hands it to schemathesis' own seed setting
(``HypothesisTestConfig.seed``, which applies Hypothesis' ``@seed``); with no seed at all
(the harness's own tests) generation is derandomized. No run reads or writes an example
database, so the same seed replays the same cases; a time cap only shortens the sequence.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from django.db import transaction
from hypothesis import HealthCheck, Phase, Verbosity
from schemathesis import Case
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response, response_content_type
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.schemas import APIOperation

ENV_SECONDS = "NEXUS_FUZZ_SECONDS"
ENV_EXAMPLES = "NEXUS_FUZZ_EXAMPLES"
ENV_SEED = "NEXUS_FUZZ_SEED"

# The slice inside `make test`: a minute of fuzzing in total, however many operations
# there are; `make fuzz` lifts the cap and asks for a fixed number of examples instead.
DEFAULT_SECONDS = 60.0
DEFAULT_EXAMPLES = 1000

REST_CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
)
PROBLEM_CONTENT_TYPE = "application/problem+json"
# Responses longer than this are cut in reports.
_BODY_EXCERPT = 400


# --- settings and time budget -----------------------------------------------------------------


@dataclass(frozen=True)
class FuzzSettings:
    seconds: float | None  # total wall-clock budget for every run of the session; None: no cap
    examples: int  # generated examples per run (on top of the schema's and coverage's cases)
    seed: int | None  # None: derandomized (the same cases every time)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> FuzzSettings:
        env = os.environ if environ is None else environ
        raw_seconds = env.get(ENV_SECONDS, "").strip()
        seconds = float(raw_seconds) if raw_seconds else DEFAULT_SECONDS
        raw_examples = env.get(ENV_EXAMPLES, "").strip()
        examples = int(raw_examples) if raw_examples else DEFAULT_EXAMPLES
        raw_seed = env.get(ENV_SEED, "").strip()
        if examples < 1:
            raise ValueError(f"{ENV_EXAMPLES} must be at least 1, not {examples}")
        return cls(
            seconds=seconds if seconds > 0 else None,
            examples=examples,
            seed=int(raw_seed) if raw_seed else None,
        )

    def describe(self) -> str:
        budget = "no time cap" if self.seconds is None else f"{self.seconds:g} s in total"
        seed = "derandomized" if self.seed is None else f"seed {self.seed}"
        return f"up to {self.examples} generated examples per run, {budget}, {seed}"

    def replay(self, nodeid: str) -> str:
        """The command that runs one fuzz test again with this run's seed and examples, and
        no time cap: the same cases in the same order (all of them, where a time share cut
        this run short)."""
        seed = "" if self.seed is None else f"{ENV_SEED}={self.seed} "
        test = nodeid.split("@", 1)[0]  # pytest-xdist's loadgroup suffix
        return (
            f"{seed}{ENV_SECONDS}=0 {ENV_EXAMPLES}={self.examples} "
            f".venv/bin/pytest -p no:xdist -m fuzz {shlex.quote(test)}"
        )


class Budget:
    """Shares a total wall-clock budget between runs: each run, when it starts, gets an
    equal share of what is left, so time a fast run leaves goes to the runs after it
    and the total holds whatever the number of operations.

    Every run sends at least one case, even with no time left; so that those cases fit
    in the total too, each share keeps back, for every run still to come, what one case
    and the gap between two runs (a test's fixtures) have cost on average so far."""

    def __init__(
        self, seconds: float | None, runs: int, clock: Callable[[], float] = time.monotonic
    ):
        self.seconds = seconds
        self.runs_left = max(runs, 1)
        self.clock = clock
        self.started = self.finished = clock()
        self._cases = 0
        self._case_time = 0.0
        self._gaps: list[float] = []
        self._last_end: float | None = None

    @property
    def run_floor(self) -> float:
        """What a run costs at least: one case, and the gap before it."""
        case = self._case_time / self._cases if self._cases else 0.0
        gap = sum(self._gaps) / len(self._gaps) if self._gaps else 0.0
        return case + gap

    def observe(self, cases: int, seconds: float) -> None:
        """A run is done: what its cases cost."""
        self._cases += cases
        self._case_time += seconds
        self._last_end = self.clock()

    def next_deadline(self) -> float | None:
        now = self.clock()
        if self._last_end is not None:
            self._gaps.append(now - self._last_end)
            self._last_end = None
        runs, self.runs_left = self.runs_left, max(self.runs_left - 1, 1)
        if self.seconds is None:
            return None
        left = self.seconds - (now - self.started) - self.run_floor * (runs - 1)
        return now + max(left, 0.0) / runs


class _BudgetSpent(BaseException):
    """Stops Hypothesis between two cases. A BaseException, so Hypothesis neither treats it
    as a failure nor tries to shrink or replay it."""


# --- throttles -------------------------------------------------------------------------------

# Far above anything a run sends; every scope in DEFAULT_THROTTLE_RATES gets it.
HUGE_RATE = "1000000000/day"
HUGE_NUM_REQUESTS = 1_000_000_000


def throttle_classes() -> set[type]:
    """Every rate throttle class of the project (the URLconf imports every view, hence
    every throttle class)."""
    from django.urls import get_resolver
    from rest_framework.throttling import SimpleRateThrottle

    get_resolver().url_patterns  # noqa: B018
    found: set[type] = set()
    todo: list[type] = [SimpleRateThrottle]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(sub for sub in cls.__subclasses__() if sub not in found)
    return found


# --- identities -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    name: str
    headers: dict[str, str] = field(default_factory=dict)


def bearer(name: str, user: Any) -> Identity:
    """A fresh access token (no database write): minted per test, so a long run never
    outlives its tokens' lifetime."""
    from core.identity.tokens import AccessToken

    token = AccessToken.for_user(user)
    return Identity(name, {"Authorization": f"Bearer {token}"})


ANONYMOUS = Identity("anonymous")


# --- server-side exceptions -------------------------------------------------------------------


class _ErrorRecords(logging.Handler):
    """Collects logged errors that carry a traceback (DRF's handler and django.request log
    every unhandled exception): the cause of a 500, without its noise in the output."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.records.append(record)


@contextmanager
def _capture_server_errors() -> Iterator[_ErrorRecords]:
    """Route the root logger to a collector while a case runs. The console handler (and
    pytest's capture) are set aside, so hundreds of fuzzed 500s do not flood the output;
    the causes are in the report instead."""
    root = logging.getLogger()
    collector = _ErrorRecords()
    saved = root.handlers[:]
    root.handlers = [collector]
    try:
        yield collector
    finally:
        root.handlers = saved


@dataclass(frozen=True)
class ServerException:
    kind: str  # e.g. "ValueError"
    where: str  # innermost frame in the project's code (else innermost frame)
    message: str

    @classmethod
    def from_record(cls, record: logging.LogRecord) -> ServerException:
        assert record.exc_info is not None
        _, exc, tb = record.exc_info
        frames = traceback.extract_tb(tb)
        ours = [f for f in frames if "/src/" in f.filename and "site-packages" not in f.filename]
        frame = (ours or frames or [None])[-1]
        where = f"{_short_path(frame.filename)}:{frame.lineno} in {frame.name}" if frame else "?"
        message = " ".join(str(exc).split())
        return cls(type(exc).__name__, where, message[:200])

    def __str__(self) -> str:
        return f"{self.kind}: {self.message} (at {self.where})"


def _short_path(filename: str) -> str:
    for marker in ("/src/", "/site-packages/", "/lib/python3"):
        if marker in filename:
            tail = filename.rsplit(marker, 1)[-1]
            return tail.split("/", 1)[-1] if marker == "/lib/python3" else tail
    return filename


# --- findings ---------------------------------------------------------------------------------


@dataclass
class Finding:
    """One distinct failure of one operation, with the shortest request that showed it."""

    operation: str
    check: str
    title: str
    message: str
    status: int
    identity: str
    origin: str  # "coverage/negative", "fuzzing/positive", ...
    curl: str
    response: str
    cause: ServerException | None = None
    seen: int = 1
    identities: set[str] = field(default_factory=set)

    def render(self, index: int) -> str:
        who = ", ".join(sorted(self.identities))
        lines = [
            f"{index}. [{self.check}] {self.title} -> HTTP {self.status}",
            f"   seen {self.seen}x (as {who}); the shortest request, from {self.origin}, "
            f"as {self.identity}:",
        ]
        if self.message:
            lines += [f"   | {line}" for line in self.message.strip().splitlines()[:12]]
        if self.cause is not None:
            lines.append(f"   cause: {self.cause}")
        lines.append("   reproduce:")
        lines += [f"     {line}" for line in self.curl.splitlines()]
        lines.append(f"   response: {self.response}")
        return "\n".join(lines)


@dataclass
class RunStats:
    operation: str
    identity: str
    examples: int = 0
    seconds: float = 0.0
    stopped_by_budget: bool = False
    statuses: dict[int, int] = field(default_factory=dict)


@dataclass
class OperationReport:
    """Every distinct failure of one operation, over all identities."""

    operation: str
    findings: dict[tuple, Finding] = field(default_factory=dict)
    runs: list[RunStats] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the harness could not fuzz (schema etc.)
    nodeid: str = ""  # the pytest test that fuzzed it
    replay: str = ""  # the command that runs that test again with the same cases

    @property
    def examples(self) -> int:
        return sum(run.examples for run in self.runs)

    def record(self, key: tuple, finding: Finding) -> None:
        known = self.findings.get(key)
        if known is None:
            finding.identities.add(finding.identity)
            self.findings[key] = finding
            return
        known.seen += 1
        known.identities.add(finding.identity)
        if len(finding.curl) < len(known.curl):
            finding.seen, finding.identities = known.seen, known.identities
            self.findings[key] = finding

    def render(self) -> str:
        runs = ", ".join(
            f"{run.identity}: {run.examples} cases in {run.seconds:.1f}s"
            + (" (time share spent)" if run.stopped_by_budget else "")
            for run in self.runs
        )
        head = (
            f"{self.operation}: {len(self.findings)} distinct failure(s), "
            f"{len(self.errors)} harness error(s) [{runs}]"
        )
        parts = [head]
        if self.replay:
            parts.append(f"replay (same seed, same cases): {self.replay}")
        parts += [f"harness error: {error}" for error in self.errors]
        ordered = sorted(self.findings.values(), key=lambda f: (f.check, f.status, f.title))
        parts += [finding.render(i) for i, finding in enumerate(ordered, 1)]
        return "\n\n".join(parts)


def _excerpt(response: Response) -> str:
    content_type = response_content_type(response) or "no content type"
    body = (response.content or b"").decode("utf-8", "replace")
    body = " ".join(body.split())
    if len(body) > _BODY_EXCERPT:
        body = body[:_BODY_EXCERPT] + "…"
    return f"{response.status_code} {content_type} {body}".rstrip()


def _origin(case: Case) -> str:
    meta = case.meta
    if meta is None:
        return "explicit"
    return f"{meta.phase.name.value}/{meta.generation.mode.value}"


def _failure_key(check: str, failure: Failure, status: int, cause: ServerException | None):
    key: tuple = (check, type(failure).__name__, failure._unique_key, status)
    if cause is not None:
        key += (cause.kind, cause.where)
    return key


# --- checks of ours ----------------------------------------------------------------------------


class ContractFailure(Failure):
    """A failure of one of our checks: distinct messages are distinct failures."""

    code = "NEXUS"
    kind_title = "Nexus contract"

    def __init__(self, case: Case, title: str, message: str) -> None:
        super().__init__(operation=case.operation.label, title=title, message=message)

    @property
    def _unique_key(self) -> str:
        return self.message


def problem_type_check(client_get: Callable[[str], int]) -> Callable:
    """Every ``application/problem+json`` body has ``type`` ``/problems/<code>/``, with its
    own ``code``, and that page exists (GET through the same app answers 200)."""
    pages: dict[str, int] = {}
    title = "Problem type without its page"

    def problem_details_type(ctx: Any, response: Response, case: Case) -> None:
        content_type = (response_content_type(response) or "").split(";")[0].strip().lower()
        if content_type != PROBLEM_CONTENT_TYPE:
            return
        try:
            body = json.loads(response.content or b"")
        except ValueError as exc:
            raise ContractFailure(case, title, f"the body is not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise ContractFailure(
                case, title, f"the body is a {type(body).__name__}, not an object"
            )
        code, kind = body.get("code"), body.get("type")
        if not isinstance(code, str) or not code:
            raise ContractFailure(case, title, f"no string `code`: {body.get('code')!r}")
        if kind != f"/problems/{code}/":
            raise ContractFailure(case, title, f"`type` {kind!r} is not `/problems/{code}/`")
        if kind not in pages:
            pages[kind] = client_get(kind)
        if pages[kind] != 200:
            raise ContractFailure(case, title, f"the page {kind} answers {pages[kind]}, not 200")
        return

    return problem_details_type


def throttle_check(ctx: Any, response: Response, case: Case) -> None:
    """The run raises every throttle rate: a 429 means the override did not take effect
    (and the fuzzer is testing the throttle instead of the operation)."""
    if response.status_code == 429:
        raise ContractFailure(
            case, "Throttled", "429 although the run raised every throttle rate: not in effect"
        )


def graphql_server_error(ctx: Any, response: Response, case: Case) -> None:
    """GraphQL's not_a_server_error, by status: a GraphQL error (4xx, or 200 with
    ``errors``) is an answer; a 5xx is a bug."""
    if response.status_code >= 500:
        raise ContractFailure(case, "Server error", f"HTTP {response.status_code}")


def builtin_checks(names: tuple[str, ...]) -> list[Callable]:
    load_all_checks()
    return list(CHECKS.get_by_names(list(names)))


# --- hostile requests -------------------------------------------------------------------------
#
# Schemathesis sends what the schema describes and invalid variants of it, not what an
# attacker sends: more parameters than Django accepts, JSON nested past the recursion
# limit, a body over the size limit, undecodable bytes. These go first in every run, to
# every operation: each is owed a 4xx, never a 5xx.

Segments = tuple[tuple[bytes, int], ...]  # b"".join(piece * count): compact to show


def _py_bytes(piece: bytes) -> str:
    """A bytes literal with no single quote in it (it goes inside a shell '...')."""
    text = "".join(
        chr(b) if 32 <= b < 127 and chr(b) not in "\"\\'" else f"\\x{b:02x}" for b in piece
    )
    return f'b"{text}"'


@dataclass(frozen=True)
class HostileRequest:
    name: str
    query: Segments = ()
    body: Segments | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def _join(segments: Segments) -> bytes:
        return b"".join(piece * count for piece, count in segments)

    @property
    def query_string(self) -> str | None:
        return self._join(self.query).decode("latin-1") if self.query else None

    @property
    def body_bytes(self) -> bytes | None:
        return None if self.body is None else self._join(self.body)

    @staticmethod
    def _python(segments: Segments) -> str:
        expression = " + ".join(
            _py_bytes(piece) + (f" * {count}" if count != 1 else "") for piece, count in segments
        )
        return f"python3 -c 'import sys; sys.stdout.buffer.write({expression})'"

    def curl(self, method: str, url: str, headers: dict[str, str]) -> str:
        """A shell command that sends the same bytes, without pasting them."""
        parts = []
        if self.query:
            raw = self.query_string or ""
            query = raw if len(raw) <= 120 else f"$({self._python(self.query)})"
            url = f"{url}?{query}"
        command = ["curl", "-X", method]
        for name, value in [*headers.items(), *self.headers]:
            command += ["-H", shlex.quote(f"{name}: {value}")]
        if self.content_type:
            command += ["-H", shlex.quote(f"Content-Type: {self.content_type}")]
        if self.body is not None:
            parts.append(self._python(self.body))
            command += ["--data-binary", "@-"]
        command.append(f'"{url}"')
        return " | ".join([*parts, " ".join(command)])


def hostile_requests(
    *, method: str, query_params: list[str], anonymous: bool, graphql: bool = False
) -> list[HostileRequest]:
    from django.conf import settings

    fields = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    files = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    requests: list[HostileRequest] = []
    if fields is not None:
        requests.append(HostileRequest(f"{fields + 1} query parameters", ((b"p=1&", fields + 1),)))
    if anonymous:
        # Not a token of ours: a 401 (documented), never served as anonymous, never a 5xx.
        requests.append(
            HostileRequest(
                "a bearer token that is not a JWT of ours",
                headers=(("Authorization", "Bearer not.a.token"),),
            )
        )
    names = [name.encode() for name in dict.fromkeys(query_params or ["q"])]
    shown = ", ".join(f"?{name.decode()}" for name in names)
    requests += [
        HostileRequest(f"a NUL byte in {shown}", ((b"&".join(n + b"=%00" for n in names), 1),)),
        HostileRequest(
            f"undecodable bytes in {shown}", ((b"&".join(n + b"=%ff%fe" for n in names), 1),)
        ),
    ]
    if method.upper() not in {"POST", "PUT", "PATCH"}:
        return requests
    json_type = "application/json"
    depth = 100_000
    requests += [
        HostileRequest(
            f"JSON nested {depth} deep", body=((b"[", depth), (b"]", depth)), content_type=json_type
        ),
        HostileRequest(
            "undecodable bytes in a JSON body",
            body=((b'{"x": "\xff\xfe"}', 1),),
            content_type=json_type,
        ),
    ]
    if fields is not None:
        requests.append(
            HostileRequest(
                f"{fields + 1} form fields",
                body=((b"f=1&", fields + 1),),
                content_type="application/x-www-form-urlencoded",
            )
        )
    if files is not None:
        part = b'--nexus\r\nContent-Disposition: form-data; name="f"; filename="f.txt"\r\n\r\nx\r\n'
        requests.append(
            HostileRequest(
                f"{files + 1} files in a multipart body",
                body=((part, files + 1), (b"--nexus--\r\n", 1)),
                content_type="multipart/form-data; boundary=nexus",
            )
        )
    if size is not None:
        requests.append(
            HostileRequest(
                f"a {size + 1}-byte JSON body",
                body=((b'"', 1), (b"a", size - 1), (b'"', 1)),
                content_type=json_type,
            )
        )
    if graphql:
        depth = 3_000
        requests.append(
            HostileRequest(
                f"a GraphQL selection nested {depth} deep",
                body=(
                    (b'{"query": "{', 1),
                    (b"me{", depth),
                    (b"id", 1),
                    (b"}", depth),
                    (b'}"}', 1),
                ),
                content_type=json_type,
            )
        )
    return requests


# --- one run ----------------------------------------------------------------------------------


def _hypothesis_settings(fuzz: FuzzSettings) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=fuzz.examples,
        derandomize=fuzz.seed is None,
        database=None,
        deadline=None,
        # Nothing is raised inside Hypothesis, so there is nothing to shrink or replay.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )


_UNIT_MODES = (HypothesisTestMode.EXAMPLES, HypothesisTestMode.COVERAGE, HypothesisTestMode.FUZZING)


@dataclass
class _Run:
    """What one case needs: the operation's report, the run's figures, its checks."""

    operation: APIOperation
    identity: Identity
    checks: list[Callable]
    report: OperationReport
    stats: RunStats
    deadline: float | None

    def spent(self) -> bool:
        return (
            self.deadline is not None
            and self.stats.examples > 0
            and time.monotonic() >= self.deadline
        )

    def send(
        self,
        case: Case,
        *,
        hostile: HostileRequest | None = None,
        origin: str | None = None,
        rollback: bool = True,
    ) -> Response | None:
        """Send one case in a savepoint that is rolled back (unless ``rollback`` is off: a
        step of a sequence keeps its effect), run every check, record failures."""
        self.stats.examples += 1
        headers = dict(self.identity.headers)
        kwargs: dict[str, Any] = {}
        if hostile is not None:
            headers.update(hostile.headers)
            if hostile.content_type:
                headers["Content-Type"] = hostile.content_type
            if hostile.query:
                kwargs["params"] = hostile.query_string
            if hostile.body is not None:
                kwargs["data"] = hostile.body_bytes
        response = None
        with _capture_server_errors() as errors, transaction.atomic():
            try:
                try:
                    response = case.call(headers=headers or None, **kwargs)
                except Exception as exc:  # the request could not be sent: a harness problem
                    self._record_unsent(case, exc, hostile)
                    return None
                status = response.status_code
                self.stats.statuses[status] = self.stats.statuses.get(status, 0) + 1
                for check in self.checks:
                    self._check(case, response, check, errors, hostile, origin)
                return response
            finally:
                # A failed step is rolled back too: a server error may leave the
                # transaction unusable.
                if rollback or response is None or response.status_code >= 500:
                    transaction.set_rollback(True)

    def _check(self, case, response, check, errors, hostile, origin) -> None:
        if response.status_code >= 500 and check.__name__ == "status_code_conformance":
            return  # a 5xx is reported once, by the server-error check
        headers = self.identity.headers or None
        try:
            case.validate_response(
                response,
                checks=[check],
                headers=headers,
                transport_kwargs={"headers": headers} if headers else None,
            )
        except FailureGroup as group:
            failures: tuple[Failure, ...] = group.exceptions
        else:
            return
        status = response.status_code
        cause = None
        if status >= 500 and errors.records:
            cause = ServerException.from_record(errors.records[-1])
        for failure in failures:
            key = _failure_key(check.__name__, failure, status, cause)
            self.report.record(
                key,
                Finding(
                    operation=case.operation.label,
                    check=check.__name__,
                    title=failure.title,
                    message=failure.message,
                    status=status,
                    identity=self.identity.name,
                    origin=origin or _origin(case),
                    curl=self._curl(case, response, hostile),
                    response=_excerpt(response),
                    cause=cause,
                ),
            )

    def _curl(self, case: Case, response: Response, hostile: HostileRequest | None) -> str:
        if hostile is not None:
            request = response.request
            url = (request.url or "").split("?", 1)[0]
            shown = {
                name: value
                for name, value in self.identity.headers.items()
                if name.lower() != "content-type"
            }
            command = hostile.curl(case.method.upper(), url, shown)
        else:
            command = case.as_curl_command(headers=dict(response.request.headers))
        token = self.identity.headers.get("Authorization")
        if token:  # show where the identity's token goes, not the token
            placeholder = f'-H "Authorization: Bearer ${self._token_var}"'
            command = _TOKEN_FILTERED.sub(placeholder, command)
            command = command.replace(f"-H {shlex.quote(f'Authorization: {token}')}", placeholder)
        return command

    @property
    def _token_var(self) -> str:
        return f"{self.identity.name.upper()}_TOKEN"

    def _record_unsent(self, case: Case, exc: Exception, hostile: HostileRequest | None) -> None:
        what = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        self.report.record(
            ("unsent", type(exc).__name__, hostile.name if hostile else ""),
            Finding(
                operation=case.operation.label,
                check="request could not be sent",
                title=what,
                message="",
                status=0,
                identity=self.identity.name,
                origin="hostile" if hostile else _origin(case),
                curl=hostile.name if hostile else repr(case),
                response="(none)",
            ),
        )


_TOKEN_FILTERED = re.compile(r"-H 'Authorization: \[Filtered\]'")


def _is_positive(case: Case) -> bool:
    meta = case.meta
    return meta is None or meta.generation.mode.value == "positive"


def _base_case(operation: APIOperation) -> Case:
    """A case with no body and a placeholder for each path parameter (a 404 is documented
    wherever there is one), for the hostile requests to replace the rest."""
    names = re.findall(r"{(\w+)}", getattr(operation, "path", "") or "")
    return operation.Case(path_parameters=dict.fromkeys(names, "1"))


def _query_parameters(operation: APIOperation) -> list[str]:
    container = getattr(operation, "query", None)
    return [parameter.name for parameter in container] if container is not None else []


def _forget_probed_methods(operation: APIOperation) -> None:
    """Schemathesis' coverage phase probes each path with the methods it does not declare
    once per loaded schema (the paths it has probed are kept on the schema object, which
    the session shares): left alone, a run's cases would depend on which runs came before
    it, so the same seed would not replay them. Each run probes its path again."""
    probed = getattr(operation.schema, "coverage_unexpected_methods_seen", None)
    if isinstance(probed, set):
        probed.clear()


def fuzz_operation(
    operation: APIOperation,
    identity: Identity,
    *,
    checks: list[Callable],
    fuzz: FuzzSettings,
    deadline: float | None,
    report: OperationReport,
    graphql: bool = False,
    known: Callable[[Case, int], bool] | None = None,
) -> RunStats:
    """Fuzz one operation as one identity: hostile requests, then schemathesis' cases
    (the schema's examples, the coverage phase, generated ones); failures go to ``report``.

    ``known(case, index)`` swaps values that exist (the fuzz world's ids) into a case; it
    is applied to every other positive case, so half of them reach real objects and the
    other half keep what Hypothesis drew (unknown ids: the 404s and 400s)."""
    stats = RunStats(operation.label, identity.name)
    report.runs.append(stats)
    run = _Run(operation, identity, checks, report, stats, deadline)
    started = time.monotonic()
    positive = 0
    _forget_probed_methods(operation)

    def one_case(case: Case) -> None:
        nonlocal positive
        if run.spent():
            raise _BudgetSpent
        if known is not None and _is_positive(case):
            positive += 1
            if positive % 2:
                known(case, positive // 2)
        run.send(case)

    try:
        method = "POST" if graphql else operation.method.upper()
        for hostile in hostile_requests(
            method=method,
            query_params=_query_parameters(operation),
            anonymous=not identity.headers,
            graphql=graphql,
        ):
            if run.spent():
                raise _BudgetSpent
            run.send(_base_case(operation), hostile=hostile, origin=f"hostile: {hostile.name}")
        if run.spent():
            raise _BudgetSpent
        test = create_test(
            operation=operation,
            test_func=hypothesis.settings(_hypothesis_settings(fuzz))(one_case),
            config=HypothesisTestConfig(
                project=operation.schema.config, modes=list(_UNIT_MODES), seed=fuzz.seed
            ),
        )
        test()
    except _BudgetSpent:
        stats.stopped_by_budget = True
    except Exception as exc:  # schemathesis or Hypothesis could not fuzz it: say so, go on
        summary = " ".join(str(exc).split())[:300]
        report.errors.append(f"as {identity.name}: {type(exc).__name__}: {summary}")
    finally:
        stats.seconds = time.monotonic() - started
    return stats
