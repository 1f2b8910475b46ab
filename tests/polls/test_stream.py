"""The results stream (``GET .../results/stream/``, Server-Sent Events) on a real
uvicorn started as ``make run`` starts it (tests/core/live_servers.py): pytest-django's
``live_server`` is WSGI, and Django buffers a streaming response whole under WSGI.

The stream is read from a raw socket as it arrives (tests/polls/live.py), with short
deadlines: the servers send a heartbeat every second, coalesce reloads to one per
0.25 s and reload on their own only every minute, so an update that arrives within
a second or two was pushed, not polled.
"""

from __future__ import annotations

import contextlib
import re
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import httpx
import pytest
from django.conf import settings

from polls import services
from polls.models import Poll
from polls.voters import VOTER_COOKIE, Voter, ticket_issue
from tests.core.live_servers import Server, database_url, problem_shape_ok, start_servers
from tests.polls.live import (
    EventStream,
    RedisProcess,
    api,
    bearer,
    make_poll,
    make_user,
    option_ids,
    poll_path,
    server_connections,
    stream_path,
)

# The servers read what the tests write: commit it (and flush it after each test).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]

MIN_INTERVAL = 0.25
STREAM_ENV = {
    "STREAMS_HEARTBEAT_SECONDS": "1",
    "STREAMS_MIN_INTERVAL_SECONDS": str(MIN_INTERVAL),
    # No reload on the watch's own schedule during a test: an update is a push.
    "STREAMS_SAFETY_POLL_SECONDS": "60",
    "STREAMS_RETRY_MILLISECONDS": "2500",
}
PUSHED = 2.0  # seconds within which a pushed update arrives


def _start(tmp_path_factory, name: str, **env: str):
    """One uvicorn whose database connections carry ``application_name`` = its name."""
    env = {
        "DATABASE_URL": f"{database_url()}?application_name={name}",
        **STREAM_ENV,
        **env,
    }
    return contextlib.contextmanager(start_servers)(
        tmp_path_factory.mktemp(name), kinds=("uvicorn",), env=env
    )


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    with _start(tmp_path_factory, "nexus-stream-a") as servers:
        yield servers["uvicorn"]


@pytest.fixture(scope="module")
def other_server(django_db_setup, tmp_path_factory):
    """A second process on the same database and Redis."""
    with _start(tmp_path_factory, "nexus-stream-b") as servers:
        yield servers["uvicorn"]


QUIET = "nexus-stream-d"


@pytest.fixture(scope="module")
def quiet_server(django_db_setup, tmp_path_factory):
    """A process that serves streams only, so that what it holds is theirs. (Under
    uvicorn each sync request runs on a thread of its own, whose persistent database
    connection lingers until garbage collection: other requests would blur the count.)"""
    with _start(tmp_path_factory, QUIET) as servers:
        yield servers["uvicorn"]


@pytest.fixture(scope="module")
def private_redis(tmp_path_factory):
    redis = RedisProcess(tmp_path_factory.mktemp("redis"))
    redis.start()
    yield redis
    redis.kill()


@pytest.fixture(scope="module")
def outage_server(django_db_setup, tmp_path_factory, private_redis):
    """A uvicorn whose Redis (cache, throttles and pub/sub) is ``private_redis``."""
    with _start(
        tmp_path_factory,
        "nexus-stream-c",
        REDIS_URL=private_redis.url,
        STREAMS_REDIS_URL=private_redis.url,
        STREAMS_FALLBACK_POLL_SECONDS="1",
    ) as servers:
        yield servers["uvicorn"]


# --- helpers ------------------------------------------------------------------------------


def results(server: Server, pk: int, headers: dict[str, str] | None = None, client=None) -> dict:
    client = client or api(server)
    response = client.get(poll_path(pk, "results/"), headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def vote(server: Server, poll: Poll, position: int, headers: dict[str, str], client=None) -> None:
    client = client or api(server)
    response = client.post(
        poll_path(poll.pk, "vote/"), json={"option": option_ids(poll)[position]}, headers=headers
    )
    assert response.status_code == 201, response.text


def ticket_stream(server: Server, poll: Poll, who) -> str:
    """The stream URL that ``POST .../stream-ticket/`` gives ``who``."""
    response = api(server).post(poll_path(poll.pk, "stream-ticket/"), headers=bearer(who))
    assert response.status_code == 201, response.text
    body = response.json()
    # An absolute link, on the host the ticket was asked from.
    assert body["stream"] == f"http://127.0.0.1:{server.port}" + stream_path(
        poll.pk, body["ticket"]
    )
    return body["stream"]


def version(poll: Poll) -> int:
    return Poll.objects.values_list("version", flat=True).get(pk=poll.pk)


def votes_of(body: dict) -> list[int | None]:
    return [option["votes"] for option in body["options"]]


def open_snapshot(server: Server, path: str, headers: dict[str, str] | None = None):
    """Connect and read up to the first event; return the stream and that event."""
    stream = EventStream(server, path, headers)
    assert stream.status == 200, (stream.status, stream.body)
    return stream, stream.next_event()


# --- the stream -----------------------------------------------------------------------------


def test_a_stream_opens_with_retry_then_a_snapshot_of_the_results(server):
    owner, voter = make_user(), make_user()
    poll = make_poll(owner)
    vote(server, poll, 1, bearer(voter))

    with EventStream(server, stream_path(poll.pk)) as stream:
        assert stream.status == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert "no-cache" in stream.headers["cache-control"]
        assert stream.headers["x-accel-buffering"] == "no"
        opening = stream.next_message(timeout=2)
        assert opening is not None, stream.messages
        assert not opening.is_event, opening
        assert opening.retry == 2500  # STREAMS_RETRY_MILLISECONDS

        snapshot = stream.next_event()

    assert snapshot.event == "message"
    assert snapshot.id == str(version(poll))
    body = snapshot.json()
    assert body == results(server, poll.pk)  # the same document as the results endpoint
    assert body["version"] == version(poll)
    assert body["total_votes"] == 1
    assert votes_of(body) == [0, 1, 0]


def test_a_vote_through_the_api_is_pushed_to_the_stream(server):
    poll = make_poll(make_user())
    first = version(poll)

    with EventStream(server, stream_path(poll.pk)) as stream:
        assert stream.next_event().id == str(first)
        vote(server, poll, 2, bearer(make_user()))
        update = stream.next_event(timeout=PUSHED)

    assert update.id == str(first + 1)
    assert update.json() == results(server, poll.pk)
    assert update.json()["total_votes"] == 1
    assert votes_of(update.json()) == [0, 0, 1]


def test_a_vote_on_another_process_reaches_the_stream_through_redis(server, other_server):
    poll = make_poll(make_user())

    with EventStream(server, stream_path(poll.pk)) as stream:
        stream.next_event()
        sent = time.monotonic()
        vote(other_server, poll, 0, bearer(make_user()))
        update = stream.next_event(timeout=PUSHED)

    # Within the push deadline, where the watch alone would reload only after a minute.
    assert update.at - sent < PUSHED
    assert update.id == str(version(poll))
    assert update.json()["total_votes"] == 1
    assert votes_of(update.json()) == [1, 0, 0]


def test_a_burst_of_votes_is_coalesced_into_a_few_events(server):
    poll = make_poll(make_user())
    voters = [bearer(make_user()) for _ in range(30)]
    target = option_ids(poll)[0]
    client = api(server)

    def cast(headers: dict[str, str]) -> httpx.Response:
        return client.post(poll_path(poll.pk, "vote/"), json={"option": target}, headers=headers)

    with EventStream(server, stream_path(poll.pk)) as stream:
        assert stream.next_event().json()["total_votes"] == 0
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = [response.status_code for response in pool.map(cast, voters)]
        burst = time.monotonic() - started
        events = []
        while not events or events[-1].json()["total_votes"] < 30:
            events.append(stream.next_event(timeout=PUSHED))
        events += stream.events_within(3 * MIN_INTERVAL)  # and nothing after the last

    assert statuses == [201] * 30
    # The burst came faster than one vote per interval, so one event per vote would
    # be ~30; coalescing allows one per 0.25 s.
    assert burst < 30 * MIN_INTERVAL / 2, f"the burst took {burst:.2f}s: too slow to tell"
    span = events[-1].at - started
    assert len(events) <= span / MIN_INTERVAL + 2, (len(events), span)
    assert len(events) <= 10, [e.json()["total_votes"] for e in events]
    totals = [event.json()["total_votes"] for event in events]
    assert totals == sorted(set(totals)), totals  # each a newer state, none repeated
    assert totals[-1] == 30 == Poll.objects.get(pk=poll.pk).voter_count
    assert events[-1].id == str(version(poll))


def test_an_idle_stream_sends_heartbeat_comments(server):
    poll = make_poll(make_user())

    with EventStream(server, stream_path(poll.pk)) as stream:
        stream.next_event()
        beats = [stream.next_message(timeout=2.5) for _ in range(2)]

    assert all(beat is not None and not beat.is_event for beat in beats), stream.messages
    assert [beat.comments for beat in beats] == [["keepalive"], ["keepalive"]]
    assert 0.5 < beats[1].at - beats[0].at < 2.0  # STREAMS_HEARTBEAT_SECONDS=1


def test_last_event_id_resumes_without_resending_the_snapshot(server):
    poll = make_poll(make_user())
    vote(server, poll, 0, bearer(make_user()))
    current = version(poll)

    # Control: an older id, or no usable one, gets the snapshot at once.
    for last in (str(current - 1), "not-a-number"):
        with EventStream(server, stream_path(poll.pk), {"Last-Event-ID": last}) as stream:
            assert stream.next_event(timeout=1.0).id == str(current)

    with EventStream(server, stream_path(poll.pk), {"Last-Event-ID": str(current)}) as stream:
        # A heartbeat comes only after the watch offered its snapshot: it was skipped.
        while (message := stream.next_message(timeout=2.5)) is not None:
            assert not message.is_event, f"snapshot re-sent: {message}"
            if message.comments == ["keepalive"]:
                break
        assert message is not None, stream.messages
        vote(server, poll, 1, bearer(make_user()))
        update = stream.next_event(timeout=PUSHED)

    assert update.id == str(current + 1)
    assert update.json()["total_votes"] == 2


def test_closing_the_poll_sends_a_final_event_and_ends_the_stream(server):
    owner = make_user()
    poll = make_poll(owner)
    vote(server, poll, 0, bearer(make_user()))

    with EventStream(server, stream_path(poll.pk)) as stream:
        stream.next_event()
        response = api(server).post(poll_path(poll.pk, "close/"), headers=bearer(owner))
        assert response.status_code == 200, response.text
        final = stream.next_event(timeout=PUSHED)
        stream.assert_ends(timeout=1.0)

    assert final.event == "final"
    assert final.id == str(version(poll))
    assert final.json() == results(server, poll.pk)
    assert final.json()["closed"] is True
    assert final.json()["total_votes"] == 1

    # A client that has the final event is told not to reconnect...
    with EventStream(server, stream_path(poll.pk), {"Last-Event-ID": final.id}) as again:
        assert again.status == 204
        assert again.body == b""
    # ...one that has not gets it, and the end.
    with EventStream(server, stream_path(poll.pk), {"Last-Event-ID": "1"}) as late:
        replay = late.next_event(timeout=1.0)
        late.assert_ends(timeout=1.0)
    assert (replay.event, replay.id, replay.data) == ("final", final.id, final.data)


def test_deleting_the_poll_sends_deleted_and_ends_the_stream(server):
    owner = make_user()
    poll = make_poll(owner)

    with EventStream(server, stream_path(poll.pk)) as stream:
        stream.next_event()
        response = api(server).delete(poll_path(poll.pk), headers=bearer(owner))
        assert response.status_code == 204, response.text
        gone = stream.next_event(timeout=PUSHED)
        stream.assert_ends(timeout=1.0)

    assert gone.event == "deleted"
    assert gone.json() == {"poll": poll.pk, "deleted": True}
    with EventStream(server, stream_path(poll.pk)) as again:
        assert again.status == 404


def test_an_unknown_poll_is_a_404_problem(server):
    with EventStream(server, stream_path(987654321)) as stream:
        assert stream.status == 404
        assert problem_shape_ok(stream.problem(), 404, "not_found"), stream.problem()


def test_an_unknown_parameter_is_a_400_naming_the_ones_the_stream_takes(server):
    """Refused under ASGI as everywhere, before the stream opens."""
    poll = make_poll(make_user())

    with EventStream(server, stream_path(poll.pk) + "?tikcet=abc") as stream:
        assert stream.status == 400
        body = stream.problem()
    assert problem_shape_ok(body, 400, "validation_error"), body
    assert body["errors"] == {
        "tikcet": [{"message": "Unknown parameter; use: ticket.", "code": "unknown_parameter"}]
    }


def test_a_bad_ticket_is_a_401_problem(server):
    owner = make_user()
    poll, other = make_poll(owner), make_poll(owner)
    valid = ticket_issue(poll_id=poll.pk, user_id=owner.pk)
    issued = time.time() - settings.POLLS_STREAM_TICKET_SECONDS - 5
    with mock.patch("django.core.signing.time.time", return_value=issued):
        expired = ticket_issue(poll_id=poll.pk, user_id=owner.pk)
    tickets = {
        "malformed": "not-a-ticket",
        "tampered": valid[:-3] + ("AAA" if not valid.endswith("AAA") else "BBB"),
        "expired": expired,
        "other poll": ticket_issue(poll_id=other.pk, user_id=owner.pk),
    }

    for case, ticket in tickets.items():
        with EventStream(server, stream_path(poll.pk, ticket)) as stream:
            assert stream.status == 401, (case, stream.status, stream.body)
            body = stream.problem()
        assert problem_shape_ok(body, 401, "stream_ticket_invalid"), (case, body)
    # Control: the same poll's fresh ticket is accepted.
    with EventStream(server, stream_path(poll.pk, valid)) as stream:
        assert stream.status == 200


def test_results_visibility_holds_on_the_stream(server):
    owner, voter, bystander = make_user(), make_user(), make_user()
    poll = make_poll(owner, results_visibility="after_vote", allow_anonymous=True)
    vote(server, poll, 0, bearer(voter))

    with contextlib.ExitStack() as streams:

        def snapshot(path: str, headers: dict[str, str] | None = None):
            stream, event = open_snapshot(server, path, headers)
            streams.enter_context(stream)
            return stream, event

        anonymous_stream, anonymous = snapshot(stream_path(poll.pk))
        _, stranger = snapshot(ticket_stream(server, poll, bystander))
        owner_stream, owners = snapshot(ticket_stream(server, poll, owner))
        _, voters = snapshot(ticket_stream(server, poll, voter))

        hidden = results(server, poll.pk)
        assert hidden["visible"] is False
        assert anonymous.json() == hidden == results(server, poll.pk, bearer(bystander))
        assert stranger.json() == hidden
        for event in (anonymous, stranger):
            assert event.id == "0"
            assert event.json()["total_votes"] is None
            assert votes_of(event.json()) == [None, None, None]

        shown = results(server, poll.pk, bearer(owner))
        assert shown["visible"] is True
        assert shown["total_votes"] == 1
        assert owners.json() == shown == results(server, poll.pk, bearer(voter))
        assert voters.json() == shown
        assert owners.id == voters.id == str(version(poll))

        # An anonymous voter: the cookie from voting makes the stream show the results.
        browser = api(server)
        vote(server, poll, 1, {}, client=browser)
        cookie = browser.cookies.get(VOTER_COOKIE)
        assert cookie
        cookie_stream, own = snapshot(stream_path(poll.pk), {"Cookie": f"{VOTER_COOKIE}={cookie}"})
        # Its first event may be the shared watch's state from just before that vote
        # (reloads are coalesced); the vote follows within the push deadline.
        seen = [own]
        while seen[-1].json()["total_votes"] != 2:
            seen.append(cookie_stream.next_event(timeout=PUSHED))
        assert all(event.json()["visible"] for event in seen), seen
        own = seen[-1]
        assert votes_of(own.json()) == [1, 1, 0]
        assert own.json() == results(server, poll.pk, client=browser)

        # The owner's stream got that vote; the hidden one learnt nothing, not even
        # that someone voted.
        assert owner_stream.next_event(timeout=PUSHED).json()["total_votes"] == 2
        assert anonymous_stream.events_within(1.2) == []


def test_twenty_open_streams_hold_no_database_connections(quiet_server):
    server, name = quiet_server, QUIET
    poll = make_poll(make_user())
    baseline = server_connections(name)

    def settled() -> int:
        deadline = time.monotonic() + 3
        while (held := server_connections(name)) > baseline and time.monotonic() < deadline:
            time.sleep(0.1)
        return held

    with contextlib.ExitStack() as streams:
        opened = [
            streams.enter_context(EventStream(server, stream_path(poll.pk))) for _ in range(20)
        ]
        assert {stream.next_event().id for stream in opened} == {str(version(poll))}
        held_idle = settled()

        # Through the service here, not a request: only the streams' own work counts.
        someone = make_user()
        services.vote_cast(
            poll_id=poll.pk,
            voter=Voter(key=f"u:{someone.pk}", user_id=someone.pk),
            option_ids=[option_ids(poll)[0]],
        )
        totals = {stream.next_event(timeout=PUSHED).json()["total_votes"] for stream in opened}
        held_after_update = settled()

    assert totals == {1}
    assert held_idle <= baseline, f"20 idle streams: {held_idle} connections, {baseline} before"
    assert held_after_update <= baseline, (held_after_update, baseline)


def test_a_redis_outage_degrades_the_stream_to_polling(outage_server, private_redis):
    server = outage_server
    poll = make_poll(make_user())
    channel = settings.STREAMS_CHANNEL_PREFIX + services.stream_topic(poll.pk)

    def subscribers(deadline: float) -> int:
        stop = time.monotonic() + deadline
        while True:
            try:
                count = dict(private_redis.client().pubsub_numsub(channel))[channel.encode()]
            except Exception:
                count = 0
            if count or time.monotonic() > stop:
                return count
            time.sleep(0.1)

    with contextlib.ExitStack() as streams:
        first, snapshot = open_snapshot(server, stream_path(poll.pk))
        streams.enter_context(first)
        assert snapshot.json()["total_votes"] == 0
        assert subscribers(2.0) == 1
        # Settled: the watch waits for the next wake-up (a heartbeat passed meanwhile).
        assert first.next_message(timeout=2.0).comments == ["keepalive"]

        private_redis.kill()
        vote(server, poll, 0, bearer(make_user()))
        assert first.next_event(timeout=3.0).json()["total_votes"] == 1
        assert results(server, poll.pk)["total_votes"] == 1

        # A stream opened during the outage works too; both poll the database.
        second, snapshot = open_snapshot(server, stream_path(poll.pk))
        streams.enter_context(second)
        assert snapshot.json()["total_votes"] == 1
        vote(server, poll, 1, bearer(make_user()))
        assert first.next_event(timeout=3.0).json()["total_votes"] == 2
        assert second.next_event(timeout=3.0).json()["total_votes"] == 2

        # Redis is back: the process subscribes again and votes are pushed again.
        private_redis.start()
        assert subscribers(12.0) == 1
        sent = time.monotonic()
        vote(server, poll, 2, bearer(make_user()))
        for stream in (first, second):
            update = stream.next_event(timeout=3.0)
            assert update.json()["total_votes"] == 3
            assert votes_of(update.json()) == [1, 1, 1]
        assert update.at - sent < PUSHED

    # Never a 500 (Redis errors are logged, with their tracebacks, and ignored).
    log = server.log.read_text()
    assert "Internal Server Error" not in log, log[-3000:]
    assert re.search(r'"POST /api/v1/polls/polls/\d+/vote/ HTTP/1.1" 201 ', log)  # logged
    assert not re.search(r'HTTP/1.1" 5\d\d ', log), log[-3000:]
    assert "stream loader" not in log, log[-3000:]
