"""The fuzz harness's own parts, without fuzzing: the time budget, the settings, the
hostile requests and their reproductions, our checks, and the raised throttle rates."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest
import requests
from schemathesis.core.transport import Response

from tests.fuzz import harness


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_budget_shares_what_is_left_between_the_runs_to_come():
    clock = FakeClock()
    budget = harness.Budget(60, runs=3, clock=clock)
    assert budget.next_deadline() == 120  # a third of 60 s
    clock.now = 105  # the first run finished early: its time goes to the others
    assert budget.next_deadline() == 105 + 55 / 2
    clock.now = 170  # over budget: the last run gets no time (it still sends one case)
    assert budget.next_deadline() == 170


def test_budget_keeps_back_what_each_run_to_come_costs_at_least():
    clock = FakeClock()
    budget = harness.Budget(60, runs=3, clock=clock)
    budget.observe(cases=4, seconds=2.0)  # half a second a case
    # 60 s, less 0.5 s for each of the two runs after this one, shared by three
    assert budget.next_deadline() == 100 + (60 - 1.0) / 3
    budget.observe(cases=1, seconds=0.5)
    clock.now = 100.2  # gaps between runs (0 s, 0.2 s) are kept back too: 0.5 + 0.1 a run
    assert budget.next_deadline() == pytest.approx(100.2 + (60 - 0.2 - 0.6) / 2)
    clock.now = 159.8  # late: what is left is the last run's
    assert budget.next_deadline() == pytest.approx(160.0)


def test_budget_without_a_cap_sets_no_deadline():
    assert harness.Budget(None, runs=2).next_deadline() is None


def test_settings_come_from_the_environment():
    assert harness.FuzzSettings.from_env({}) == harness.FuzzSettings(
        seconds=harness.DEFAULT_SECONDS, examples=harness.DEFAULT_EXAMPLES, seed=None
    )
    fuzz = harness.FuzzSettings.from_env(
        {"NEXUS_FUZZ_SECONDS": "0", "NEXUS_FUZZ_EXAMPLES": "300", "NEXUS_FUZZ_SEED": "7"}
    )
    assert fuzz == harness.FuzzSettings(seconds=None, examples=300, seed=7)
    with pytest.raises(ValueError, match="NEXUS_FUZZ_EXAMPLES"):
        harness.FuzzSettings.from_env({"NEXUS_FUZZ_EXAMPLES": "0"})


def _shell_output(command: str) -> bytes:
    return subprocess.run(["bash", "-c", command], capture_output=True, check=True).stdout


def test_each_hostile_reproduction_writes_the_bytes_that_were_sent():
    hostile = harness.hostile_requests(
        method="POST", query_params=["cursor", "page_size"], anonymous=True, graphql=True
    )
    assert len({request.name for request in hostile}) == len(hostile)
    for request in hostile:
        if request.body is not None:
            python = harness.HostileRequest._python(request.body)
            assert _shell_output(python) == request.body_bytes, request.name
        if request.query:
            python = harness.HostileRequest._python(request.query)
            assert _shell_output(python).decode("latin-1") == request.query_string
        command = request.curl("POST", "http://localhost/x/", {"Authorization": "Bearer t"})
        assert command.count("curl -X POST") == 1
        assert "'Authorization: Bearer t'" in command


def test_hostile_bodies_only_go_to_writes():
    names = [
        request.name
        for request in harness.hostile_requests(method="GET", query_params=[], anonymous=False)
    ]
    assert names == ["1001 query parameters", "a NUL byte in ?q", "undecodable bytes in ?q"]


def _response(status: int, content_type: str, body: bytes) -> Response:
    request = requests.Request("GET", "http://localhost/x/").prepare()
    return Response(
        status_code=status,
        headers={"Content-Type": [content_type]},
        content=body,
        request=request,
        elapsed=0.0,
        verify=True,
    )


CASE = SimpleNamespace(operation=SimpleNamespace(label="GET /x/"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"type": "/problems/nope/", "code": "nope"}', "the page /problems/nope/ answers 404"),
        (b'{"type": "/problems/not_found/", "code": "gone"}', "is not `/problems/gone/`"),
        (b'{"type": "about:blank", "title": "x"}', "no string `code`"),
        (b"[]", "is a list, not an object"),
        (b"<html>", "not JSON"),
    ],
)
def test_problem_type_check_names_what_is_wrong(body, message):
    check = harness.problem_type_check(lambda path: 200 if path == "/problems/not_found/" else 404)
    with pytest.raises(harness.ContractFailure, match=message):
        check(None, _response(404, "application/problem+json", body), CASE)


def test_problem_type_check_accepts_a_problem_whose_page_exists():
    pages = []
    check = harness.problem_type_check(lambda path: pages.append(path) or 200)
    body = b'{"type": "/problems/not_found/", "code": "not_found", "status": 404}'
    for _ in range(2):
        check(None, _response(404, "application/problem+json; charset=utf-8", body), CASE)
    check(None, _response(404, "application/json", b"{}"), CASE)  # not problem details
    assert pages == ["/problems/not_found/"]  # each page is fetched once


def test_a_429_during_a_run_fails_it():
    with pytest.raises(harness.ContractFailure, match="429"):
        harness.throttle_check(None, _response(429, "application/problem+json", b"{}"), CASE)
    harness.throttle_check(None, _response(400, "application/problem+json", b"{}"), CASE)


def test_graphql_errors_are_answers_but_a_5xx_is_not():
    harness.graphql_server_error(None, _response(400, "application/json", b"{}"), CASE)
    harness.graphql_server_error(None, _response(200, "application/json", b'{"errors":[]}'), CASE)
    with pytest.raises(harness.ContractFailure, match="HTTP 502"):
        harness.graphql_server_error(None, _response(502, "text/html", b""), CASE)


@pytest.mark.django_db
def test_raised_throttle_rates_are_in_effect(raised_throttle_rates, api_client):
    """The auth scope allows 10/min by default; its counter lives in Redis, shared with
    every throttle class. Far more logins than that must all reach the view."""
    for _ in range(30):
        response = api_client.post(
            "/api/v1/auth/token/", {"username": "nobody", "password": "wrong"}, format="json"
        )
        assert response.status_code != 429
    for cls in harness.throttle_classes():
        scope = vars(cls).get("scope")
        if scope in raised_throttle_rates:
            assert cls().num_requests == harness.HUGE_NUM_REQUESTS


def _world():
    from tests.fuzz.world import World

    return World(
        users={},
        path_ids={"/api/v1/shop/products/": [7, 8]},
        body_values={
            "product": [7],
            "options /api/v1/polls/polls/{id}/vote/": [[3]],
        },
        graphql_values={"postId": ["7"], "username": ['"bob"']},
    )


def _case(path: str, body=None, path_parameters=None):
    return SimpleNamespace(
        operation=SimpleNamespace(path=path), body=body, path_parameters=path_parameters
    )


def test_known_values_reach_the_worlds_objects():
    from tests.fuzz.world import known_values

    case = _case("/api/v1/shop/products/{id}/", path_parameters={"id": -5})
    assert known_values(case, _world(), 1)
    assert case.path_parameters == {"id": 8}  # the index goes round the known ids
    case = _case("/api/v1/shop/cart/items/", body={"product": 0, "quantity": 2})
    assert known_values(case, _world(), 0)
    assert case.body == {"product": 7, "quantity": 2}
    # a field scoped to one operation is left alone elsewhere (poll options are texts)
    case = _case("/api/v1/polls/polls/", body={"options": ["a", "b"]})
    assert not known_values(case, _world(), 0)
    case = _case("/api/v1/polls/polls/{id}/vote/", body={"options": [0]}, path_parameters={})
    assert known_values(case, _world(), 0)
    assert case.body == {"options": [3]}
    assert not known_values(
        _case("/api/v1/jobs/jobs/{id}/", path_parameters={"id": 1}), _world(), 0
    )


def test_graphql_known_values_swap_argument_literals():
    from tests.fuzz.world import graphql_known_values

    case = SimpleNamespace(body='mutation { likePost(postId: "x\\"y") { id } user(username: 5) }')
    assert graphql_known_values(case, _world(), 0)
    assert case.body == 'mutation { likePost(postId: 7) { id } user(username: "bob") }'
    case = SimpleNamespace(body="{ posts(first: 5, authorUsername: null) { edges { cursor } } }")
    assert not graphql_known_values(case, _world(), 0)


def test_a_graphql_sequence_catches_a_delete_that_deletes_nothing(
    monkeypatch,
    graphql_schema,
    fuzz_world,
    fuzz_identities,
    in_process_requests,
    raised_throttle_rates,
    problem_check,
):
    """The GraphQL chains' own assertions can fail: with ``deletePost`` answering ok but
    keeping the post, the posts chain reports the post still there after its delete."""
    from social.services import posts
    from tests.fuzz import sequences

    monkeypatch.setattr(posts, "post_delete", lambda **kwargs: None)
    chain = next(c for c in sequences.GRAPHQL_CHAINS if c.name == "graphql posts")
    report = harness.OperationReport("sequence graphql posts")
    sequences.run_chain(
        chain,
        graphql_schema,
        fuzz_world,
        {identity.name: identity for identity in fuzz_identities}[chain.identity],
        checks=[harness.graphql_server_error, problem_check],
        fuzz=harness.FuzzSettings(seconds=0, examples=25, seed=None),
        deadline=None,
        report=report,
    )
    titles = {finding.title for finding in report.findings.values()}
    assert not report.errors
    assert titles & {"Readable after delete", "Updatable after delete", "Deletable twice"}, titles


def test_a_rest_sequence_catches_a_delete_that_deletes_nothing(
    monkeypatch,
    openapi_schema,
    fuzz_world,
    fuzz_identities,
    in_process_requests,
    raised_throttle_rates,
    problem_check,
):
    """The REST chains' own assertions can fail too, with the step numbers counted per
    sequence and a slug free again once its object is deleted: with ``category_delete``
    answering 204 but keeping the category, the chain reports it still there."""
    from shop.services import catalog
    from tests.fuzz import sequences

    monkeypatch.setattr(catalog, "category_delete", lambda **kwargs: None)
    chain = next(c for c in sequences.CHAINS if c.name == "shop categories")
    report = harness.OperationReport("sequence shop categories")
    sequences.run_chain(
        chain,
        openapi_schema,
        fuzz_world,
        {identity.name: identity for identity in fuzz_identities}[chain.identity],
        checks=[*harness.builtin_checks(harness.REST_CHECKS), problem_check],
        fuzz=harness.FuzzSettings(seconds=0, examples=25, seed=None),
        deadline=None,
        report=report,
    )
    titles = {finding.title for finding in report.findings.values()}
    assert not report.errors
    assert titles & {"Readable after delete", "Updatable after delete", "Deletable twice"}, titles
