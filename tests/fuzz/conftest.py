"""Fixtures for the API fuzz tests (tests/fuzz/harness.py does the fuzzing).

Every REST operation of the OpenAPI schema and every GraphQL root field becomes one
test, parametrized at collection from the schema generators themselves; the test then
fuzzes the operation as it appears in the app's own ``/api/schema/`` (or GraphQL
introspection), once per identity: anonymous and a bearer token of each role, whose
users own a seeded world (tests/fuzz/world.py). Each chain of tests/fuzz/sequences.py
(create, read, update, delete) is one more test, run as the owner.

The slice in ``make test`` shares ``NEXUS_FUZZ_SECONDS`` (60 s by default) between all
of those runs; ``make fuzz`` lifts the cap and runs ``NEXUS_FUZZ_EXAMPLES`` per run
(cases per operation and identity, sequences per chain), and writes its log under
``bench/fuzz/`` (tests/fuzz/runlog.py, which also fixes the session's seed).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from django.core import signals
from django.db import close_old_connections

from tests.fuzz import harness, runlog, summary, world

_REPORTS = pytest.StashKey[list]()
_BUDGET = pytest.StashKey[harness.Budget]()
IDENTITIES = world.IDENTITIES

# Hypothesis keeps caches (and would keep an example database, which the runs do not use)
# under ./.hypothesis: keep the checkout clean.
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "nexus-hypothesis")
)


# --- collection: one test per operation ---------------------------------------------------------


def rest_operation_labels() -> list[str]:
    """``METHOD /path`` for every operation the OpenAPI generator documents (the same
    generator ``/api/schema/`` serves), without a request or a database."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.settings import spectacular_settings

    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    with GENERATOR_STATS.silence():
        schema = generator.get_schema(request=None, public=True)
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return [
        f"{method.upper()} {path}"
        for path, item in schema.get("paths", {}).items()
        for method in item
        # Streams never end under the in-process WSGI client; they are tested against a
        # real uvicorn (tests/polls/test_stream.py).
        if method in methods and not item[method].get("x-nexus-stream")
    ]


def graphql_operation_labels() -> list[str]:
    """``Query.<field>`` / ``Mutation.<field>`` for every root field of the schema."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    schema = import_string(settings.GRAPHENE["SCHEMA"]).graphql_schema
    roots = (schema.query_type, schema.mutation_type)
    return [f"{root.name}.{name}" for root in roots if root is not None for name in root.fields]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rest_operation" in metafunc.fixturenames:
        metafunc.parametrize("rest_operation", rest_operation_labels())
    if "graphql_operation" in metafunc.fixturenames:
        metafunc.parametrize("graphql_operation", graphql_operation_labels())


def _part(config: pytest.Config) -> summary.Part | None:
    reports: list[harness.OperationReport] = config.stash.get(_REPORTS, [])
    return summary.part_of(reports, config.stash.get(_BUDGET, None)) if reports else None


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: hand what it fuzzed to the controller, which writes the
    section for the whole run (tests/conftest.py)."""
    part = _part(session.config)
    if part is not None and hasattr(session.config, "workeroutput"):
        session.config.workeroutput["fuzz"] = part


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    """Without pytest-xdist: the section, and the full run's log."""
    part = _part(config)
    if part is not None and not hasattr(config, "workerinput"):
        runlog.finish(terminalreporter, exitstatus, config, part)


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fuzz_settings() -> harness.FuzzSettings:
    return harness.FuzzSettings.from_env()


@pytest.fixture(scope="session")
def fuzz_budget(request: pytest.FixtureRequest, fuzz_settings) -> harness.Budget:
    """Started by the first fuzz test: schema loading and fixtures count against it too.
    Shared by the fuzz tests that were selected (after -k/-m), once per identity."""
    runs = 0
    for item in request.session.items:
        if "fuzz_sequence" in item.fixturenames:
            runs += 1  # one identity, the owner of what the sequence creates
        elif "fuzz_budget" in item.fixturenames:
            runs += len(IDENTITIES)
    budget = harness.Budget(fuzz_settings.seconds, runs)
    request.config.stash[_BUDGET] = budget
    return budget


@pytest.fixture(scope="session")
def fuzz_reports(request: pytest.FixtureRequest) -> list[harness.OperationReport]:
    return request.config.stash.setdefault(_REPORTS, [])


@pytest.fixture(scope="session")
def wsgi_app():
    from config.wsgi import application

    return application


@pytest.fixture(scope="session")
def _loaded_schemas() -> dict:
    return {}


@pytest.fixture
def openapi_schema(in_process_requests, wsgi_app, _loaded_schemas):
    """The app's own ``/api/schema/``, loaded through the WSGI app once per session."""
    import schemathesis

    if "openapi" not in _loaded_schemas:
        _loaded_schemas["openapi"] = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", wsgi_app, config=schemathesis.Config()
        )
    return _loaded_schemas["openapi"]


@pytest.fixture
def graphql_schema(in_process_requests, wsgi_app, _loaded_schemas):
    """``/graphql/``'s schema by introspection through the WSGI app, once per session."""
    import schemathesis

    if "graphql" not in _loaded_schemas:
        _loaded_schemas["graphql"] = schemathesis.graphql.from_wsgi(
            "/graphql/", wsgi_app, config=schemathesis.Config()
        )
    return _loaded_schemas["graphql"]


@pytest.fixture
def in_process_requests(db):
    """Requests run in the test's thread, on its connection, inside its transaction. Like
    Django's test client, keep the request signals from closing that connection (it is
    in a transaction, so ``close_old_connections`` would drop it)."""
    disconnected = [
        signal
        for signal in (signals.request_started, signals.request_finished)
        if signal.disconnect(close_old_connections)
    ]
    yield
    for signal in disconnected:
        signal.connect(close_old_connections)


@pytest.fixture
def raised_throttle_rates(settings, monkeypatch) -> dict[str, str]:
    """Every throttle scope at harness.HUGE_RATE. DRF's throttles copy the rates into a class
    attribute at import (``SimpleRateThrottle.THROTTLE_RATES``), so overriding the setting
    alone changes nothing: patch the attribute wherever a class defines it, then check
    that every scoped throttle now allows ``harness.HUGE_NUM_REQUESTS``."""
    current = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    rates = dict.fromkeys({*current, "anon", "user", "auth"}, harness.HUGE_RATE)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    classes = harness.throttle_classes()
    for cls in classes:
        if "THROTTLE_RATES" in vars(cls):
            monkeypatch.setattr(cls, "THROTTLE_RATES", rates)
    for cls in classes:
        scope = vars(cls).get("scope")
        if scope and scope in rates:
            limit = cls().num_requests
            assert limit == harness.HUGE_NUM_REQUESTS, f"{cls.__qualname__} still allows {limit}"
    return rates


@pytest.fixture(scope="package")
def _shared_world(django_db_setup, django_db_blocker):
    """The world, built once for the fuzz tests inside a transaction that is rolled back
    after them: each test's own transaction (the ``db`` fixture) nests in it as a
    savepoint, as in Django's ``setUpTestData``. Building it (some 180 queries) for each
    of the 140-odd tests would eat the slice's time budget. What the commits would run
    (cache invalidation, tasks) runs as the world is built."""
    from django.db import transaction
    from django.test import TestCase

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                built = world.build_world()
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def fuzz_world(db, _shared_world) -> world.World:
    """One user per role, each owning objects the fuzzer can reach (tests/fuzz/world.py)."""
    return _shared_world


@pytest.fixture
def fuzz_identities(fuzz_world) -> list[harness.Identity]:
    """Anonymous, then a bearer token of each role: customer, candidate, employer,
    moderator, staff."""
    identities = fuzz_world.identities()
    assert [identity.name for identity in identities] == list(IDENTITIES)
    return identities


@pytest.fixture(scope="session")
def problem_check(wsgi_app):
    """Every problem ``type`` a response names has its ``/problems/<code>/`` page."""
    from werkzeug.test import Client

    def problem_page_status(path: str) -> int:
        return Client(wsgi_app).get(path).status_code

    return harness.problem_type_check(problem_page_status)


@pytest.fixture
def fuzz_run(
    in_process_requests,
    raised_throttle_rates,
    fuzz_world,
    fuzz_identities,
    fuzz_settings,
    fuzz_budget,
    fuzz_reports,
    problem_check,
    request,
):
    """Fuzz one operation as every identity with the given checks; fail with every
    distinct failure found, and the command that replays them."""

    def known(case, index: int) -> bool:
        return world.known_values(case, fuzz_world, index)

    def graphql_known(case, index: int) -> bool:
        return world.graphql_known_values(case, fuzz_world, index)

    def run(operation, checks: list, *, graphql: bool = False) -> harness.OperationReport:
        nodeid = request.node.nodeid
        report = harness.OperationReport(
            operation.label, nodeid=nodeid, replay=fuzz_settings.replay(nodeid)
        )
        fuzz_reports.append(report)
        for identity in fuzz_identities:
            stats = harness.fuzz_operation(
                operation,
                identity,
                checks=[*checks, problem_check, harness.throttle_check],
                fuzz=fuzz_settings,
                deadline=fuzz_budget.next_deadline(),
                report=report,
                graphql=graphql,
                known=graphql_known if graphql else known,
            )
            fuzz_budget.observe(stats.examples, stats.seconds)
        fuzz_budget.finished = fuzz_budget.clock()
        if report.findings or report.errors:
            pytest.fail(report.render(), pytrace=False)
        return report

    return run


@pytest.fixture
def fuzz_sequence(
    in_process_requests,
    raised_throttle_rates,
    fuzz_world,
    fuzz_identities,
    fuzz_settings,
    fuzz_budget,
    fuzz_reports,
    problem_check,
    request,
):
    """Run one chain's stateful sequences (tests/fuzz/sequences.py) as its identity, with
    the stateless run's checks at every step (a REST chain's or a GraphQL field's); fail
    with every distinct failure found."""
    from tests.fuzz import sequences

    rest_checks = [
        *harness.builtin_checks(harness.REST_CHECKS),
        problem_check,
        harness.throttle_check,
    ]
    graphql_checks = [harness.graphql_server_error, problem_check, harness.throttle_check]
    by_name = {identity.name: identity for identity in fuzz_identities}

    def run(chain: sequences.Chain | sequences.GraphQLChain) -> harness.OperationReport:
        graphql = isinstance(chain, sequences.GraphQLChain)
        create = chain.create.label if isinstance(chain, sequences.GraphQLChain) else chain.create
        nodeid = request.node.nodeid
        report = harness.OperationReport(
            f"sequence {chain.name} ({create})", nodeid=nodeid, replay=fuzz_settings.replay(nodeid)
        )
        fuzz_reports.append(report)
        stats = sequences.run_chain(
            chain,
            request.getfixturevalue("graphql_schema" if graphql else "openapi_schema"),
            fuzz_world,
            by_name[chain.identity],
            checks=graphql_checks if graphql else rest_checks,
            fuzz=fuzz_settings,
            deadline=fuzz_budget.next_deadline(),
            report=report,
        )
        fuzz_budget.observe(stats.examples, stats.seconds)
        fuzz_budget.finished = fuzz_budget.clock()
        if report.findings or report.errors:
            pytest.fail(report.render(), pytrace=False)
        return report

    return run
