"""Broken object property level authorization (OWASP API3) and object-level checks the
write matrix cannot express as one request per identity:

- privileged fields smuggled into a write body (``is_staff``, ``owner``, ``author``,
  ``status``, prices...) are ignored: the write happens as if they were absent;
- an ``Idempotency-Key`` is per user: another user's key never replays their response;
- reads of someone else's object are 404s (orders, applications, résumés), and a
  GraphQL feed of another user is FORBIDDEN (a moderator's is allowed);
- a blocked account can neither see nor touch the blocker's posts, nor follow them;
- after a block, neither account reads the other's comments, on anyone's post, over REST
  or GraphQL, nor counts them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.identity.roles import Role
from tests.security.conftest import (
    IDENTITIES,
    changed_tables,
    client_for,
    fingerprint,
    graphql,
    graphql_codes,
    problem,
)

pytestmark = pytest.mark.django_db


def test_profile_and_registration_ignore_privilege_fields(world):
    from core.identity.models import User

    owner = world.owner
    privileged = {"is_staff": True, "is_superuser": True, "is_active": True, "roles": ["moderator"]}

    patched = client_for(owner).patch(
        "/api/v1/auth/me/", {"first_name": "Ann", "username": "root", **privileged}, format="json"
    )
    registered = client_for().post(
        "/api/v1/auth/register/",
        {"username": "climber", "email": "c@example.test", "password": "long-unusual-42"}
        | {**privileged, "groups": [1]},
        format="json",
    )

    assert patched.status_code == 200, patched.content
    assert registered.status_code == 201, registered.content
    owner.refresh_from_db()
    climber = User.objects.get(username="climber")
    for user in (owner, climber):
        assert (user.is_staff, user.is_superuser) == (False, False)
        assert set(user.groups.values_list("name", flat=True)) == {str(Role.CUSTOMER)}
    assert owner.username != "root"


def test_writes_ignore_an_owner_or_author_in_the_body(world):
    from polls.models import Poll
    from social.models import Comment, Post
    from tests.social.factories import post

    victim = world.users["stranger"]
    client = client_for(world.owner)

    poll = client.post(
        "/api/v1/polls/polls/",
        {"question": "Mine?", "options": ["a", "b"], "owner": victim.pk, "owner_id": victim.pk},
        format="json",
    )
    created = client.post(
        "/api/v1/social/posts/",
        {"content": "hi", "author": victim.pk, "author_id": victim.pk, "like_count": 999},
        format="json",
    )
    target = post(victim)
    comment = client.post(
        f"/api/v1/social/posts/{target.pk}/comments/",
        {"text": "hey", "author": victim.pk},
        format="json",
    )

    assert Poll.objects.get(pk=poll.json()["id"]).owner_id == world.owner.pk
    made = Post.objects.get(pk=created.json()["id"])
    assert (made.author_id, made.like_count) == (world.owner.pk, 0)
    assert Comment.objects.get(pk=comment.json()["id"]).author_id == world.owner.pk


def test_orders_ignore_prices_totals_and_statuses_in_the_body(world):
    from shop.models import Order
    from tests.shop.factories import make_product

    product = make_product(price="25.00", stock=5)
    response = client_for(world.owner).post(
        "/api/v1/shop/orders/",
        {
            "items": [{"product": product.pk, "quantity": 2, "price": "0.01", "unit_price": "0"}],
            "status": "paid",
            "total": "0.02",
            "user": world.users["stranger"].pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["id"])
    assert (order.user_id, order.status, order.total) == (world.owner.pk, "pending", Decimal("50"))


def test_an_application_ignores_a_status_in_the_body(world):
    from jobs.models import Application
    from tests.jobs.factories import make_job

    world.grant("owner", Role.CANDIDATE)
    job = make_job()
    response = client_for(world.owner).post(
        f"/api/v1/jobs/jobs/{job.pk}/apply/",
        {"cover_letter": "Hi", "status": "hired", "candidate": world.users["stranger"].pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    application = Application.objects.get(pk=response.json()["id"])
    assert (application.status, application.candidate_id) == ("submitted", world.owner.pk)


def test_an_idempotency_key_replays_only_for_its_own_user(world):
    from shop.models import Order
    from tests.shop.factories import make_product

    product = make_product(stock=10)
    body = {"items": [{"product": product.pk, "quantity": 1}]}
    key = {"HTTP_IDEMPOTENCY_KEY": "shared-key-123"}

    first = client_for(world.owner).post("/api/v1/shop/orders/", body, format="json", **key)
    second = client_for(world.users["stranger"]).post(
        "/api/v1/shop/orders/", body, format="json", **key
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert second.json()["id"] != first.json()["id"]
    assert Order.objects.get(pk=second.json()["id"]).user_id == world.users["stranger"].pk


def test_reading_someone_elses_objects_is_a_404(world, resume_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.jobs.factories import make_job, pdf_bytes
    from tests.shop.factories import make_product, place_order

    order = place_order(world.owner, (make_product(stock=5), 1))
    world.grant("owner", Role.CANDIDATE)
    applied = client_for(world.owner).post(
        f"/api/v1/jobs/jobs/{make_job().pk}/apply/",
        {"resume": SimpleUploadedFile("cv.pdf", pdf_bytes(), "application/pdf")},
        format="multipart",
    )
    assert applied.status_code == 201, applied.content
    application = applied.json()["id"]
    paths = [
        f"/api/v1/shop/orders/{order.pk}/",
        f"/api/v1/jobs/applications/{application}/",
        f"/api/v1/jobs/applications/{application}/resume/",
    ]

    for identity in ("stranger", "employer", "candidate", "moderator"):
        client = client_for(world.users[identity])
        for path in paths:
            response = client.get(path)
            assert response.status_code == 404, (identity, path, response.status_code)
            assert problem(response)["code"] == "not_found"
    assert client_for(world.owner).get(paths[0]).status_code == 200
    assert client_for(world.users["staff"]).get(paths[0]).status_code == 200  # staff: orders


def test_someone_elses_feed_is_forbidden_but_a_moderators(world):
    document = "query($id: ID) { feed(userId: $id) { edges { node { id } } } }"
    variables = {"id": str(world.owner.pk)}

    stranger = graphql(client_for(world.users["stranger"]), document, variables)
    moderator = graphql(client_for(world.users["moderator"]), document, variables)

    assert graphql_codes(stranger) == ["FORBIDDEN"]
    assert stranger.json()["data"] is None
    assert graphql_codes(moderator) == []


def test_a_blocked_account_can_neither_see_nor_touch_the_blockers_posts(world):
    from social.services import relationships
    from tests.social.factories import post

    mine = post(world.owner, "not for you")
    blocked = world.users["stranger"]
    relationships.block_create(user=world.owner, username=blocked.username)
    client = client_for(blocked)
    before = fingerprint()

    rest = {
        "like": client.post(f"/api/v1/social/posts/{mine.pk}/like/"),
        "comment": client.post(
            f"/api/v1/social/posts/{mine.pk}/comments/", {"text": "hi"}, format="json"
        ),
        "read": client.get(f"/api/v1/social/posts/{mine.pk}/"),
        "follow": client.post(f"/api/v1/social/users/{world.owner.username}/follow/"),
    }
    share = graphql(
        client, "mutation($id: ID!) { sharePost(postId: $id) { post { id } } }", {"id": mine.pk}
    )

    statuses = {name: response.status_code for name, response in rest.items()}
    assert statuses == {"like": 404, "comment": 404, "read": 404, "follow": 403}, statuses
    assert graphql_codes(share) == ["NOT_FOUND"]
    assert changed_tables(before, fingerprint()) == []


def test_after_a_block_neither_account_reads_the_others_comments(world):
    from social.services import posts, relationships
    from tests.social.factories import post

    third = world.users["candidate"]
    theirs = post(third, "a third person's post")
    blocker, blocked = world.owner, world.users["stranger"]
    for author in (blocker, blocked, third):
        posts.comment_create(user=author, post_id=theirs.pk, text=f"by {author.username}")
    relationships.block_create(user=blocker, username=blocked.username)
    document = (
        "query($id: ID!) { comments(postId: $id) { edges { node { text } } } "
        "post(id: $id) { commentCount comments { edges { node { text } } } } }"
    )

    def seen(identity):
        client = client_for(world.users[identity])
        rest = client.get(f"/api/v1/social/posts/{theirs.pk}/comments/").json()["results"]
        count = client.get(f"/api/v1/social/posts/{theirs.pk}/").json()["comment_count"]
        data = graphql(client, document, {"id": theirs.pk}).json()["data"]
        return {
            "rest": sorted(comment["text"] for comment in rest),
            "count": count,
            "graphql": sorted(edge["node"]["text"] for edge in data["comments"]["edges"]),
            "nested": sorted(e["node"]["text"] for e in data["post"]["comments"]["edges"]),
            "graphql_count": data["post"]["commentCount"],
        }

    every = sorted(f"by {user.username}" for user in (blocker, blocked, third))
    for identity in IDENTITIES:
        hidden = {"owner": blocked, "stranger": blocker}.get(identity)
        expected = [text for text in every if hidden is None or text != f"by {hidden.username}"]
        outcome = seen(identity)
        assert outcome == {
            "rest": expected,
            "count": len(expected),
            "graphql": expected,
            "nested": expected,
            "graphql_count": len(expected),
        }, identity
