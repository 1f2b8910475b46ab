"""The shared helpers do what the suites rely on: ``assert_problem`` refuses what is not
the problem asked for, ``race`` runs its work at once (one thread and one database
connection each) and hands back results and exceptions in order, ``client_for``
authenticates as its user with a real bearer token and is anonymous without one."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.http import JsonResponse

from tests.core.factories import UserFactory
from tests.helpers import (
    MAX_THREADS,
    assert_invalid,
    assert_problem,
    client_for,
    race,
    raised,
)

ME = "/api/v1/auth/me/"
REGISTER = "/api/v1/auth/register/"


# --- assert_problem -------------------------------------------------------------------


@pytest.fixture
def unauthenticated(db):
    """A real 401 problem: GET /me/ without credentials."""
    return client_for().get(ME)


def test_assert_problem_returns_the_body_of_the_problem_asked_for(unauthenticated):
    body = assert_problem(unauthenticated, 401, "not_authenticated")

    assert body["code"] == "not_authenticated"
    assert body["status"] == 401
    assert body["type"] == "/problems/not_authenticated/"


def test_assert_problem_fails_on_another_status(unauthenticated):
    with pytest.raises(AssertionError):
        assert_problem(unauthenticated, 403, "not_authenticated")


def test_assert_problem_fails_on_another_code(unauthenticated):
    with pytest.raises(AssertionError):
        assert_problem(unauthenticated, 401, "permission_denied")


def test_assert_problem_fails_on_a_body_that_is_not_a_problem():
    # Everything a problem has, but served as plain JSON.
    body = {"status": 400, "code": "parse_error", "type": "/problems/parse_error/"}
    response = JsonResponse(body, status=400)
    assert response["Content-Type"] == "application/json"

    with pytest.raises(AssertionError):
        assert_problem(response, 400, "parse_error")


@pytest.mark.django_db
def test_assert_invalid_names_exactly_the_invalid_parameters():
    response = client_for().post(REGISTER, {"username": "bob"}, format="json")

    assert_invalid(response, "email", "password")
    with pytest.raises(AssertionError):
        assert_invalid(response, "email")
    with pytest.raises(AssertionError):
        assert_invalid(response, "email", "password", "username")


# --- race -----------------------------------------------------------------------------


def test_race_runs_every_call_at_once_and_returns_results_in_order():
    # Every call waits inside ``work`` for all the others: run one after another, the
    # first would time out there (BrokenBarrierError) and the list would say so.
    arguments = list(range(8))
    inside = threading.Barrier(len(arguments))
    threads: list[int] = []

    def work(argument: int) -> int:
        threads.append(threading.get_ident())
        inside.wait(timeout=10)
        return argument * 10

    assert race(work, arguments) == [0, 10, 20, 30, 40, 50, 60, 70]
    assert len(set(threads)) == len(arguments)
    assert threading.get_ident() not in threads


def test_race_returns_the_exceptions_raised_in_argument_order():
    def work(argument: int) -> int:
        if argument % 2:
            raise ValueError(argument)
        return argument

    outcomes = race(work, range(6))

    assert [type(outcome) for outcome in outcomes] == [int, ValueError] * 3
    assert outcomes[::2] == [0, 2, 4]
    assert [error.args for error in raised(outcomes)] == [(1,), (3,), (5,)]
    assert raised(race(lambda argument: argument, range(3))) == []


@pytest.mark.django_db(transaction=True)
def test_race_gives_each_thread_its_own_database_connection_and_closes_it():
    # The threads overlap (barrier inside), so their connections are open together.
    inside = threading.Barrier(4)
    used = []

    def work(_: int) -> int:
        mine = connections["default"]  # this thread's
        with mine.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        used.append(mine)
        inside.wait(timeout=10)
        return pid

    pids = race(work, range(4))

    assert raised(pids) == []
    assert len(set(pids)) == 4
    assert not any(each is connections["default"] for each in used)  # not the test's
    assert all(each.connection is None for each in used)  # closed by race


def test_race_refuses_more_threads_than_the_database_has_connections_for():
    with pytest.raises(AssertionError):
        race(lambda argument: argument, range(MAX_THREADS + 1))


# --- client_for -----------------------------------------------------------------------


@pytest.mark.django_db
def test_client_for_a_user_authenticates_as_that_user_with_a_bearer_token():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    client = client_for(alice)

    assert client._credentials["HTTP_AUTHORIZATION"].startswith("Bearer ")
    assert client.get(ME).json()["username"] == "alice"
    assert client_for(bob).get(ME).json()["username"] == "bob"


@pytest.mark.django_db
def test_client_for_nobody_is_anonymous():
    response = client_for().get(ME)

    assert response.status_code == 401
    assert_problem(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_client_for_a_raw_token_sends_it():
    assert_problem(client_for(token="not-a-jwt").get(ME), 401, "token_not_valid")


@pytest.mark.urls("tests.core.urls_errors")
def test_client_for_can_answer_a_server_error_with_its_500():
    path = "/api/v1/_test/plain-boom/"  # a plain Django view: its error reaches the client

    with pytest.raises(RuntimeError):
        client_for().get(path)
    assert_problem(client_for(raise_request_exception=False).get(path), 500, "server_error")


def test_stop_ends_a_process_that_ignores_sigterm_with_sigkill():
    import subprocess
    import sys

    from tests.helpers.processes import stop

    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert stubborn.stdout is not None
    assert stubborn.stdout.readline() == "ready\n"

    stop(polite, stubborn, grace=1)

    assert polite.returncode == -15  # SIGTERM sufficed
    assert stubborn.returncode == -9  # it ignored SIGTERM: killed
    stubborn.stdout.close()
