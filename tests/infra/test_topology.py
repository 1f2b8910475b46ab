"""The production topology runs (issue 18, point 10): the image's roles as compose runs
them (gunicorn web, uvicorn stream, a Celery worker and beat, production settings)
behind nginx on infra's config, on PostgreSQL, Redis and RabbitMQ, started once for the
module by tests/infra/topology.py. The flow talks to nginx only.

People register. The author opens a poll that closes a few seconds later, and a voter
sees her vote arrive on its results stream through nginx. Staff stock a product; two
people follow the author and read their (empty) feeds; an employer publishes a job.
Then the worker dies in the middle of a task: it takes the fan-out of the author's new
post (its pool held still until the test has locked the follows table), starts it, and
is SIGKILLed, pool and all, while the task waits for the lock. While no worker runs, the
voter buys (and her client retries the purchase) and applies to the job with a PDF. The
worker is started again, and every effect happens, once: the post in each follower's
feed, one order, one application, one notification per event (emailed where it should
be), the fan-out delivered again to the new worker. Beat, on its first tick, records the
poll's close, and the worker tells its owner, once. (Acknowledging tasks early instead
of late loses the fan-out here.)
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from core.notifications.models import Notification
from core.tasking.models import TaskOutbox
from jobs.models import Application
from polls.models import Poll, Vote
from shop.models import Order
from social.models import Follow, Post
from tests.core.live_servers import Server
from tests.infra.topology import Topology, running_topology, until
from tests.jobs.factories import pdf_bytes
from tests.polls.live import EventStream

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

API = "/api/v1"
PASSWORD = "a-fresh-Passphrase-77"
# Staff, the author (and poll owner), a customer and candidate, a follower, an employer.
PEOPLE = {"stella": None, "bob": None, "alice": "candidate", "carol": None, "erin": "employer"}
POLL_OPEN_SECONDS = 6
FAN_OUT = "social.tasks.feed_fan_out_task"
# beat's polls.close-due entry runs every 30 s, the first time 30 s after beat starts.
BEAT_TICK_SECONDS = 30


@pytest.fixture(scope="module")
def topology(django_db_setup, tmp_path_factory):
    from django.conf import settings

    isolation = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-topology"
    with running_topology(tmp_path_factory.mktemp("topology"), isolation=isolation) as running:
        yield running


class Person:
    """Someone using the API through the edge with their own bearer token."""

    def __init__(self, topology: Topology, access: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {access}"} if access else {}
        self.http = httpx.Client(base_url=topology.url, headers=headers, timeout=15.0)

    def call(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == status, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def feed(self) -> list[int]:
        return [entry["post"]["id"] for entry in self.call("GET", f"{API}/social/feed/")["results"]]


def register(topology: Topology, username: str, role: str | None) -> Person:
    body = {"username": username, "email": f"{username}@example.org", "password": PASSWORD}
    registered = Person(topology).call(
        "POST", f"{API}/auth/register/", 201, json=body | {"role": role}
    )
    assert registered["user"]["username"] == username
    return Person(topology, registered["access"])


def received(log: str, task: str) -> list[str]:
    """The ids of ``task``'s deliveries that a worker's log says it received."""
    return [part.split("]", 1)[0] for part in log.split(f"Task {task}[")[1:]]


def stock_a_product(staff: Person) -> dict[str, Any]:
    staff.call("POST", f"{API}/shop/categories/", 201, json={"name": "Lamps", "slug": "lamps"})
    product = {"category": "lamps", "name": "Desk lamp", "slug": "desk-lamp", "sku": "LAMP-1"}
    product |= {"price": "25.00", "stock": 5, "low_stock_threshold": 5}
    return staff.call("POST", f"{API}/shop/products/", 201, json=product)


def publish_a_job(employer: Person) -> dict[str, Any]:
    company = employer.call("POST", f"{API}/jobs/companies/", 201, json={"name": "Lamplight"})
    job = {"company": company["id"], "title": "Lamp maker", "description": "Bright work."}
    job = employer.call("POST", f"{API}/jobs/jobs/", 201, json=job)
    published = employer.call("POST", f"{API}/jobs/jobs/{job['id']}/submit/")
    assert published["status"] == "published"
    return published


def waiting_for_a_lock(application_name: str) -> int:
    """How many of the database connections named ``application_name`` wait for a lock."""
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL reads pg_stat_activity from one snapshot: renew it.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = %s AND wait_event_type = 'Lock'",
            [application_name],
        )
        return int(cursor.fetchone()[0])


def stream_events_until_final(stream: EventStream, timeout: float) -> list[Any]:
    """The events read up to the ``final`` one (which ends the stream)."""
    events = []
    while not events or events[-1].event != "final":
        events.append(stream.next_event(timeout=timeout))
    return events


def test_a_cross_domain_flow_through_nginx_survives_a_killed_worker(topology):
    # --- the edge serves pages and the API; the roles reach their services ------------------
    visitor = Person(topology)
    checks = visitor.call("GET", "/health/ready/")["checks"]
    assert {name: checks[name]["status"] for name in ("database", "cache", "broker")} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
    landing = visitor.http.get("/")
    assert landing.status_code == 200
    assert landing.headers["content-type"].startswith("text/html")
    script = re.search(r'src="(/static/core/health\.[0-9a-f]+\.js)"', landing.text)
    assert script, "a static file's hashed name (collectstatic's manifest)"
    asset = visitor.http.get(script[1])
    assert asset.status_code == 200
    assert asset.headers["content-type"].startswith("text/javascript")
    missing = visitor.http.get("/nowhere/")
    assert missing.status_code == 404
    assert "URLconf" not in missing.text  # DEBUG is off: no technical 404 page

    # --- people register ----------------------------------------------------------------------
    people = {name: register(topology, name, role) for name, role in PEOPLE.items()}

    # --- a poll (first: it must close before beat's first tick); the vote reaches its results
    # stream through nginx (the stream role) ------------------------------------------------
    closes_at = datetime.now(UTC) + timedelta(seconds=POLL_OPEN_SECONDS)
    poll = {"question": "Brighter?", "options": ["Yes", "No"], "closes_at": closes_at.isoformat()}
    poll = people["bob"].call("POST", f"{API}/polls/polls/", 201, json=poll)
    alice = people["alice"]
    ticket = alice.call("POST", f"{API}/polls/polls/{poll['id']}/stream-ticket/", 201)
    assert ticket["stream"].startswith(f"{topology.url}/"), ticket  # the Host nginx passed on
    # EventStream reads a stream from a Server's port: here, the edge's.
    edge = Server("proxy", topology.proxy.port, topology.proxy.process, topology.workdir)
    stream = EventStream(edge, ticket["stream"].removeprefix(topology.url))
    assert stream.status == 200, (stream.status, stream.body)
    assert stream.next_event(timeout=5).json()["total_votes"] == 0
    yes = poll["options"][0]["id"]
    alice.call("POST", f"{API}/polls/polls/{poll['id']}/vote/", 201, json={"option": yes})
    pushed = stream.next_event(timeout=5).json()
    assert (pushed["total_votes"], [o["votes"] for o in pushed["options"]]) == (1, [1, 0])

    # --- staff stock a product; followers build their feeds; an employer publishes a job ------
    get_user_model().objects.filter(username="stella").update(is_staff=True)  # the operator
    product = stock_a_product(people["stella"])
    for count, name in enumerate(("alice", "carol"), start=1):
        followed = people[name].call("POST", f"{API}/social/users/bob/follow/")
        assert (followed["following"], followed["follower_count"]) == (True, count)
        assert people[name].feed() == []  # built (in Redis), empty
    job = publish_a_job(people["erin"])

    # --- the worker dies in the middle of the post's fan-out --------------------------------
    until(
        Notification.objects.filter(kind="welcome", emailed_at__isnull=False).count,
        lambda emailed: emailed == len(PEOPLE),
    )
    killed = topology.roles["worker"]
    topology.freeze_pool()
    post = people["bob"].call("POST", f"{API}/social/posts/", 201, json={"content": "Lamps lit."})
    taken = until(lambda: received(killed.output(), FAN_OUT), bool)
    with transaction.atomic(), connection.cursor() as cursor:
        # The fan-out will wait on its followers query: started (its receipt written in its
        # transaction, an early acknowledgement sent), not finished, when the worker dies.
        cursor.execute(f"LOCK TABLE {Follow._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        topology.thaw_pool()
        until(lambda: waiting_for_a_lock(topology.connection_name("worker")), bool)
        topology.kill_worker()

    # No worker runs: the web role still takes writes, their tasks wait in RabbitMQ.
    order = {"items": [{"product": product["id"], "quantity": 1}], "shipping_address": "1 Lit St"}
    key = {"Idempotency-Key": "topology-order-1"}
    placed = alice.call("POST", f"{API}/shop/orders/", 201, json=order, headers=key)
    retried = alice.call("POST", f"{API}/shop/orders/", 201, json=order, headers=key)
    assert retried["id"] == placed["id"]
    application = alice.call(
        "POST",
        f"{API}/jobs/jobs/{job['id']}/apply/",
        201,
        data={"cover_letter": "I make lamps."},
        files={"resume": ("cv.pdf", pdf_bytes(), "application/pdf")},
    )
    assert alice.feed() == []  # nothing fanned out

    restarted = topology.start_worker()

    # --- every effect, once -------------------------------------------------------------------
    for name in ("alice", "carol"):
        feed = until(people[name].feed, lambda ids: post["id"] in ids)
        assert feed == [post["id"]], (name, feed)
    assert set(taken) <= set(received(restarted.output(), FAN_OUT)), "delivered again"

    expected = Counter(
        {(name, "welcome"): 1 for name in PEOPLE}
        | {
            ("alice", "shop.order_placed"): 1,
            ("stella", "shop.low_stock"): 1,  # 4 left of 5, the threshold
            ("erin", "jobs.application_received"): 1,
            ("bob", "polls.poll_closed"): 1,  # beat records the close, the worker tells bob
        }
    )
    notifications = until(
        lambda: Counter(Notification.objects.values_list("user__username", "kind")),
        lambda seen: seen == expected,
        timeout=2 * BEAT_TICK_SECONDS + 15,  # the first tick, or the next if the poll was late
    )
    assert notifications == expected
    emailed = Notification.objects.filter(emailed_at__isnull=False)
    assert set(emailed.values_list("user__username", "kind")) == {
        *((name, "welcome") for name in PEOPLE),
        ("alice", "shop.order_placed"),
        ("erin", "jobs.application_received"),
    }
    closed = Poll.objects.get(pk=poll["id"])
    assert (closed.status, closed.close_notified) == (Poll.Status.CLOSED, True)
    assert "Sending due task polls.close-due" in topology.roles["beat"].output()

    # The stream said the poll closed, then ended.
    final = stream_events_until_final(stream, timeout=5)[-1]
    assert final.json()["total_votes"] == 1
    assert stream.next_message(timeout=5) is None
    assert stream.ended
    stream.close()

    assert (Order.objects.get().pk, Application.objects.get().pk) == (
        placed["id"],
        application["id"],
    )
    assert (Post.objects.count(), Vote.objects.count(), TaskOutbox.objects.count()) == (1, 1, 0)
    resume = people["erin"].http.get(f"{API}/jobs/applications/{application['id']}/resume/")
    assert (resume.status_code, resume.content) == (200, pdf_bytes())
    assert people["stella"].call("GET", f"{API}/shop/products/{product['id']}/")["stock"] == 4
    for person in (visitor, *people.values()):
        person.http.close()
