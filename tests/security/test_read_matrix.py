"""The read side of the matrix: who holds which role is private (OWASP API3, excessive
data exposure). ``isStaff`` and ``roles`` of an account are shown to the account itself
and to staff, and are null for everyone else (anonymous, another user, a moderator, an
employer, a candidate), wherever GraphQL shows a ``User``: ``users``, ``user(...)``,
``me``, a post's or comment's author (top-level and nested), a feed edge's ``sharedBy``,
a share's user and a mutation's payload. No REST body shows another account's
``is_staff`` or ``roles`` at all: the one schema with them is the account's own
(``auth/me/``, ``auth/register/``).

Before the fix, an anonymous ``{ users { edges { node { username isStaff roles } } } }``
listed every account's staff flag and roles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.identity.roles import Role
from tests.security.conftest import IDENTITIES, World, client_for, graphql, rolled_back

pytestmark = pytest.mark.django_db

# Whether each identity reads the roles of an account other than its own. Every
# identity reads its own (``me``, and itself anywhere else).
SEES_OTHERS = {
    "anonymous": False,
    "stranger": False,
    "owner": False,
    "staff": True,
    "moderator": False,
    "employer": False,
    "candidate": False,
}

# The accounts whose roles are read: the ones an attacker wants to find.
SUBJECTS = ("staff", "moderator", "owner")

FIELDS = "username isStaff roles"


def test_the_read_matrix_names_every_identity():
    assert set(SEES_OTHERS) == set(IDENTITIES)


def _shown(world: World, subject: str) -> dict[str, Any]:
    user = world.user(subject)
    return {
        "username": user.username,
        "isStaff": user.is_staff,
        "roles": sorted(user.groups.values_list("name", flat=True)),
    }


def _expected(world: World, viewer: str, subject: str) -> dict[str, Any]:
    if viewer == subject or SEES_OTHERS[viewer]:
        return _shown(world, subject)
    return {"username": world.user(subject).username, "isStaff": None, "roles": None}


@pytest.fixture
def social(world):
    """Each subject wrote a post, commented on the owner's first post and shared it;
    the stranger follows every subject (so their shares are in the stranger's feed)."""
    from social.services import posts
    from tests.social.factories import follow, post, share

    world.grant("moderator", Role.MODERATOR)
    first = post(world.owner, "the owner's post")
    by = {}
    for subject in SUBJECTS:
        user = world.user(subject)
        by[subject] = post(user, f"by {subject}")
        posts.comment_create(user=user, post_id=first.pk, text=f"comment by {subject}")
        if subject != "owner":
            share(user, first)
        follow(world.users["stranger"], user)
    return {"first": first, "by": by}


# Each read: (document, variables) for a subject, and how to find the subject's user
# object(s) in ``data``.
def _reads(world: World, social: dict[str, Any], subject: str) -> dict[str, tuple]:
    user = world.user(subject)
    post_id = str(social["by"][subject].pk)
    first_id = str(social["first"].pk)
    text = f"comment by {subject}"

    def comment_author(edges):
        return [edge["node"]["author"] for edge in edges if edge["node"]["text"] == text]

    return {
        "users": (
            f"query($q: String) {{ users(search: $q) {{ edges {{ node {{ {FIELDS} }} }} }} }}",
            {"q": user.username},
            lambda d: [
                e["node"] for e in d["users"]["edges"] if e["node"]["username"] == user.username
            ],
        ),
        "user": (
            f"query($u: String!) {{ user(username: $u) {{ {FIELDS} }} }}",
            {"u": user.username},
            lambda d: [d["user"]],
        ),
        "post.author": (
            f"query($id: ID!) {{ post(id: $id) {{ author {{ {FIELDS} }} }} }}",
            {"id": post_id},
            lambda d: [d["post"]["author"]],
        ),
        "posts.author": (
            f"query($u: String) {{ posts(authorUsername: $u) "
            f"{{ edges {{ node {{ author {{ {FIELDS} }} }} }} }} }}",
            {"u": user.username},
            lambda d: [e["node"]["author"] for e in d["posts"]["edges"]],
        ),
        "user.posts.author": (
            f"query($u: String!) {{ user(username: $u) {{ posts "
            f"{{ edges {{ node {{ author {{ {FIELDS} }} }} }} }} }} }}",
            {"u": user.username},
            lambda d: [e["node"]["author"] for e in d["user"]["posts"]["edges"]],
        ),
        "comments.author": (
            f"query($id: ID!) {{ comments(postId: $id) "
            f"{{ edges {{ node {{ text author {{ {FIELDS} }} }} }} }} }}",
            {"id": first_id},
            lambda d: comment_author(d["comments"]["edges"]),
        ),
        "post.comments.author": (
            f"query($id: ID!) {{ post(id: $id) {{ comments "
            f"{{ edges {{ node {{ text author {{ {FIELDS} }} }} }} }} }} }}",
            {"id": first_id},
            lambda d: comment_author(d["post"]["comments"]["edges"]),
        ),
    }


@pytest.mark.parametrize("subject", SUBJECTS)
def test_roles_are_read_by_the_account_itself_and_staff_only(world, social, subject):
    failures = []
    for viewer in IDENTITIES:
        client = client_for(world.user(viewer))
        expected = _expected(world, viewer, subject)
        for name, (document, variables, find) in _reads(world, social, subject).items():
            response = graphql(client, document, variables)
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                failures.append(f"{viewer} {name}: {response.status_code} {body}")
                continue
            found = find(body["data"])
            if not found or any(item != expected for item in found):
                failures.append(f"{viewer} reads {subject} via {name}: {found}, not {expected}")
    assert not failures, "\n".join(failures)


def test_me_shows_ones_own_roles_to_every_signed_in_identity(world):
    world.grant("moderator", Role.MODERATOR)
    for viewer in IDENTITIES:
        data = graphql(client_for(world.user(viewer)), f"{{ me {{ {FIELDS} }} }}").json()["data"]
        if viewer == "anonymous":
            assert data == {"me": None}
        else:
            assert data["me"] == _shown(world, viewer), viewer


def test_a_feed_edges_sharer_and_a_share_payloads_user_are_private_too(world, social):
    document = f"{{ feed(first: 50) {{ edges {{ sharedBy {{ {FIELDS} }} }} }} }}"
    edges = graphql(client_for(world.users["stranger"]), document).json()["data"]["feed"]["edges"]
    sharers = [edge["sharedBy"] for edge in edges if edge["sharedBy"] is not None]
    assert sharers
    assert all(sharer["isStaff"] is None and sharer["roles"] is None for sharer in sharers)

    # A share payload's user is the sharer: their own roles.
    share = f"mutation($id: ID!) {{ sharePost(postId: $id) {{ share {{ user {{ {FIELDS} }} }} }} }}"
    mine = social["by"]["moderator"].pk
    with rolled_back():
        own = graphql(client_for(world.users["staff"]), share, {"id": mine}).json()
    assert own["data"]["sharePost"]["share"]["user"] == _shown(world, "staff"), own


@pytest.mark.parametrize(
    "viewer", [identity for identity in IDENTITIES if identity not in ("anonymous", "moderator")]
)
def test_a_mutation_payload_shows_the_other_accounts_roles_only_to_staff(world, viewer):
    """Following the moderator: the payload's user is the moderator, as the follower may
    read them."""
    document = f"mutation($u: String!) {{ followUser(username: $u) {{ user {{ {FIELDS} }} }} }}"
    world.grant("moderator", Role.MODERATOR)
    with rolled_back():
        body = graphql(
            client_for(world.user(viewer)), document, {"u": world.users["moderator"].username}
        ).json()
    assert body["data"]["followUser"]["user"] == _expected(world, viewer, "moderator"), body


def test_a_new_account_reads_its_own_roles_in_the_create_user_payload(world):
    document = (
        'mutation { createUser(username: "newcomer", email: "n@example.test", '
        f'password: "long-unusual-passphrase-42") {{ user {{ {FIELDS} }} }} }}'
    )
    body = graphql(client_for(), document).json()
    assert body["data"]["createUser"]["user"] == {
        "username": "newcomer",
        "isStaff": False,
        "roles": [str(Role.CUSTOMER)],
    }, body


def test_the_user_type_documents_that_its_roles_are_private():
    from config.schema import schema

    fields = schema.graphql_schema.type_map["User"].fields
    for name in ("isStaff", "roles"):
        assert not str(fields[name].type).endswith("!"), name  # nullable
        assert "null for anyone else" in fields[name].description, name


# --- REST ---------------------------------------------------------------------------------

PRIVATE_KEYS = {"is_staff", "roles", "is_superuser", "groups", "isStaff"}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


def test_no_rest_body_shows_another_accounts_roles(world, social):
    """Every REST read that embeds another account (a post's or comment's author, a
    poll's owner, an application's candidate for the employer), as every identity."""
    from tests.jobs.factories import apply, make_company, make_job
    from tests.polls.factories import make_poll

    poll = make_poll(owner=world.users["staff"])
    company = make_company(owner=world.users["employer"])
    job = make_job(company)
    apply(job, world.users["candidate"])
    reads = [
        "/api/v1/social/posts/",
        f"/api/v1/social/posts/{social['by']['staff'].pk}/",
        f"/api/v1/social/posts/{social['first'].pk}/comments/",
        "/api/v1/social/feed/",
        "/api/v1/polls/polls/",
        f"/api/v1/polls/polls/{poll.pk}/",
        f"/api/v1/jobs/jobs/{job.pk}/applications/",
        f"/api/v1/jobs/companies/{company.pk}/",
    ]
    failures = []
    for viewer in IDENTITIES:
        client = client_for(world.user(viewer))
        for path in reads:
            response = client.get(path)
            if response.status_code >= 500:
                failures.append(f"{viewer} {path}: {response.status_code}")
            elif response.status_code == 200 and _keys(response.json()) & PRIVATE_KEYS:
                failures.append(f"{viewer} {path}: {_keys(response.json()) & PRIVATE_KEYS}")
    assert not failures, "\n".join(failures)


def test_the_only_rest_schema_with_roles_is_ones_own_account():
    """Structurally, for every operation the OpenAPI generator documents: the schemas
    that carry ``is_staff`` or ``roles`` are reached only from the account's own
    endpoints."""
    from drf_spectacular.generators import SchemaGenerator

    spec = SchemaGenerator().get_schema(request=None, public=True)
    schemas = spec["components"]["schemas"]
    private = {name for name, s in schemas.items() if PRIVATE_KEYS & set(s.get("properties", {}))}

    def reached(node: Any) -> set[str]:
        """Every schema ``node`` refers to, directly or through other schemas."""
        seen: set[str] = set()
        pending = [node]
        while pending:
            text = json.dumps(pending.pop())
            for part in text.split("#/components/schemas/")[1:]:
                name = part.split('"', 1)[0]
                if name not in seen:
                    seen.add(name)
                    pending.append(schemas.get(name, {}))
        return seen

    reaching = {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and reached(operation.get("responses", {})) & private
    }
    assert private == {"User"}, private
    assert reaching == {
        "GET /api/v1/auth/me/",
        "PATCH /api/v1/auth/me/",
        "POST /api/v1/auth/register/",
    }
