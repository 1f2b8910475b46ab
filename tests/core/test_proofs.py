"""The live proofs' API on PostgreSQL: ``GET /api/v1/proofs/`` lists every registered
proof in the list envelope, ``POST /api/v1/proofs/{name}/run/`` runs one for real (core's
"never a 500" here; each domain tests its own), one at a time across the site, throttled,
in demo mode only, and leaves no sandbox behind. The runs that make sandbox users are
transactional tests: what a proof makes is committed, as it is for the threads of the
domains' proofs, so "removed" means removed."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.cache import cache

from core.http.throttling import SlidingWindowThrottle
from core.identity.models import User
from core.site.proofs import Outcome, Proof, ProofRun, proofs, registry, run_proof
from core.site.proofs.runner import LOCK_KEY
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db
committed = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
LIST = "/api/v1/proofs/"
NEVER_A_500 = "never-a-500"


def run_url(name: str) -> str:
    return f"/api/v1/proofs/{name}/run/"


@pytest.fixture
def recorder(monkeypatch) -> Callable[..., list[str]]:
    """``recorder(name, users=0, fail=False)`` registers a proof for this test only (the
    registry as it was afterwards): each run appends ``name`` to the list returned, makes
    ``users`` sandbox users and reports how many it then saw, or raises if ``fail``."""

    def register(name: str, *, users: int = 0, fail: bool = False) -> list[str]:
        ran: list[str] = []

        def check(run: ProofRun) -> Outcome:
            ran.append(name)
            made = run.users("recorded", users) if users else []
            seen = User.objects.filter(pk__in=[user.pk for user in made]).count()
            if fail:
                raise RuntimeError("the proof broke halfway")
            return Outcome(True, "the users exist", f"{seen} users", {"users": seen}, "none")

        proofs()  # discovered first, so discovery does not reorder what follows
        found = Proof(name, name.title(), "A proof of the tests.", "tests/core/x.py::t", check)
        monkeypatch.setitem(registry._registry, name, found)
        return ran

    return register


def test_the_list_is_every_proof_in_the_envelope(api_client):
    response = api_client.get(LIST)

    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["results", "next", "previous"]
    assert (body["next"], body["previous"]) == (None, None)
    assert [item["name"] for item in body["results"]] == [found.name for found in proofs()]
    assert body["results"][-1]["name"] == NEVER_A_500  # core's, after the domains'
    for item in body["results"]:
        assert list(item) == ["name", "title", "description", "test", "run"]
        assert item["run"] == f"http://testserver{run_url(item['name'])}"
        assert item["title"]
        assert item["description"]
        assert "::test_" in item["test"]


@committed
def test_never_a_500_holds_with_a_count_per_status(api_client):
    users = User.objects.count()

    response = api_client.post(run_url(NEVER_A_500))

    assert response.status_code == 200, response.content
    result = response.json()
    assert result["held"] is True, result["details"]["unexpected"]
    assert result["caveat"] is None
    counts = result["counts"]
    assert counts["requests"] == counts["refused_4xx"] >= 60
    assert (counts["server_errors_5xx"], counts["other"]) == (0, 0)
    statuses = {key: value for key, value in counts.items() if key.startswith("status_")}
    assert sum(statuses.values()) == counts["requests"]
    # The body guard, the parsers, authentication, the id converter, a method, the lock,
    # the content type: each answered some of the burst.
    assert {f"status_{status}" for status in (400, 401, 404, 405, 409, 413, 415)} <= set(statuses)
    sent = result["details"]["requests"]
    assert len(sent) == counts["requests"]
    assert all(request["code"] for request in sent)
    assert result["details"]["control"]["status"] == 200
    assert result["database"] == "postgresql"
    assert result["wall_ms"] > 0
    assert result["queries"] > 0
    assert result["test"] == proofs()[-1].test
    assert result["ran_at"].endswith("Z")
    assert User.objects.count() == users  # the sandbox user is gone
    assert cache.get(LOCK_KEY) is None  # and the lock released


def test_a_run_while_another_proof_runs_is_a_409_and_runs_nothing(api_client, recorder):
    ran = recorder("recorded", users=5)
    cache.add(LOCK_KEY, "oversell", 60)  # another proof is running
    users = User.objects.count()

    response = api_client.post(run_url("recorded"))

    body = assert_problem(response, 409, "proof_running")
    assert body["running"] == "oversell"
    assert response["Retry-After"] == "3"
    assert ran == []
    assert User.objects.count() == users
    assert cache.get(LOCK_KEY) == "oversell"  # the other run's lock is left alone


def test_outside_demo_mode_there_are_no_proofs(api_client, client, recorder, settings):
    ran = recorder("recorded")
    settings.NEXUS_DEMO_MODE = False

    assert_problem(api_client.get(LIST), 404, "not_found")
    assert_problem(api_client.post(run_url("recorded")), 404, "not_found")
    assert client.get("/proofs/").status_code == 404
    assert ran == []


def test_an_unknown_proof_is_a_404_problem(api_client):
    body = assert_problem(api_client.post(run_url("no-such-proof")), 404, "not_found")

    assert "no-such-proof" in body["detail"]


def test_runs_are_throttled_per_address(api_client, recorder, monkeypatch):
    monkeypatch.setattr(
        SlidingWindowThrottle,
        "THROTTLE_RATES",
        {**SlidingWindowThrottle.THROTTLE_RATES, "proof_run_ip": "2/min"},
    )
    ran = recorder("recorded")

    answers = [api_client.post(run_url("recorded")) for _ in range(3)]

    assert [answer.status_code for answer in answers[:2]] == [200, 200]
    assert_problem(answers[2], 429, "throttled")
    assert int(answers[2]["Retry-After"]) >= 1
    assert ran == ["recorded", "recorded"]


@committed
def test_the_sandbox_is_removed_after_a_run_whatever_happens(api_client, recorder):
    recorder("makes-users", users=25)
    recorder("breaks", users=25, fail=True)
    users = User.objects.count()

    response = api_client.post(run_url("makes-users"))
    assert response.status_code == 200, response.content
    assert response.json()["counts"] == {"users": 25}  # they existed during the run
    assert User.objects.count() == users

    with pytest.raises(RuntimeError, match="broke halfway"):
        run_proof(registry.find("breaks"))
    assert User.objects.count() == users
    assert cache.get(LOCK_KEY) is None


def _test_functions(path: Path) -> set[str]:
    """``name`` and ``Class::name`` of every test function of a test module."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            found |= {
                f"{node.name}::{inner.name}"
                for inner in node.body
                if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)
            }
    return {name for name in found if re.search(r"(^|::)test_", name)}


def test_every_proof_names_a_test_of_the_suite():
    missing = []
    for found in proofs():
        path, _, name = found.test.split("[", 1)[0].partition("::")
        module = ROOT / path
        if not (path.startswith("tests/") and module.is_file()):
            missing.append(f"{found.name}: no test module {path}")
        elif name not in _test_functions(module):
            missing.append(f"{found.name}: {path} has no test {name}")

    assert missing == []
