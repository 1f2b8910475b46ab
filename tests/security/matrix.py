"""The authorization matrix: one row per write operation of the API (every non-safe
method of every REST route the OpenAPI generator documents, every field of the GraphQL
``Mutation`` type), with what each identity gets.

A row has a ``setup`` that builds the object the operation acts on, owned by the world's
``owner`` (it returns the path parameters and anything the body needs), the request to
send, and the outcome for every identity in ``conftest.IDENTITIES`` (plus the extra ones
its setup adds). ``test_matrix.py`` walks it; an operation without a row, or a row
without an operation, fails the suite.

Outcomes: ``ok(status)`` allowed; ``noop(status)`` answered with that status but nothing
may change in the database (e.g. marking someone else's notifications read); ``no(status,
code)`` refused with that problem, nothing changed; for GraphQL ``GQL_OK`` and
``gql_no(code)`` (``errors[0].extensions.code``), nothing changed on a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.identity.roles import Role
from tests.core.factories import PASSWORD, NotificationFactory
from tests.security.conftest import IDENTITIES, World

# --- outcomes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    status: int | None = None  # HTTP status (REST); None: GraphQL
    code: str | None = None  # problem code (REST) or extensions.code (GraphQL)
    changes: bool | None = None  # False: the database must be left as it was

    def __str__(self) -> str:
        if self.allowed:
            return f"{self.status or 'data'}{' (no change)' if self.changes is False else ''}"
        return f"{self.status or 'error'} {self.code}"


def ok(status: int) -> Outcome:
    return Outcome(True, status)


def noop(status: int) -> Outcome:
    return Outcome(True, status, changes=False)


def no(status: int, code: str) -> Outcome:
    return Outcome(False, status, code, changes=False)


GQL_OK = Outcome(True)


def gql_no(code: str) -> Outcome:
    return Outcome(False, None, code, changes=False)


ANON = no(401, "not_authenticated")
FORBIDDEN = no(403, "permission_denied")
NOT_FOUND = no(404, "not_found")
G_ANON = gql_no("UNAUTHENTICATED")
G_FORBIDDEN = gql_no("FORBIDDEN")
G_SELF = gql_no("BAD_USER_INPUT")


def each(default: Outcome, **by_identity: Outcome) -> dict[str, Outcome]:
    """An outcome for every identity: ``default`` unless named."""
    unknown = set(by_identity) - set(IDENTITIES) - {"company_member"}
    assert not unknown, f"unknown identities {unknown}"
    return {identity: by_identity.get(identity, default) for identity in IDENTITIES} | {
        name: outcome for name, outcome in by_identity.items() if name not in IDENTITIES
    }


def signed_in(outcome: Outcome, **by_identity: Outcome) -> dict[str, Outcome]:
    """Every signed-in identity gets ``outcome``; anonymous a 401 (unless named)."""
    return each(outcome, **{"anonymous": ANON, **by_identity})


def staff_only(outcome: Outcome) -> dict[str, Outcome]:
    return each(FORBIDDEN, anonymous=ANON, staff=outcome)


# --- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    operation: str  # "METHOD /path/{param}/" or "Mutation.field"
    expect: dict[str, Outcome]
    setup: Callable[[World], dict[str, Any]] = lambda w: {}
    # REST: the JSON body; GraphQL: the variables.
    body: Callable[[World, dict[str, Any]], Any] | None = None
    query: str = ""  # GraphQL document
    why: str = ""  # the documented rule, for the failure message
    fmt: str = "json"
    extra_identities: tuple[str, ...] = field(default=())

    @property
    def graphql(self) -> bool:
        return self.operation.startswith("Mutation.")


ROWS: list[Row] = []


def row(operation: str, expect: dict[str, Outcome], **kwargs: Any) -> None:
    ROWS.append(Row(operation, expect, **kwargs))


# --- core: identity -----------------------------------------------------------------------

AUTH = "/api/v1/auth"


def _notification(w: World) -> dict[str, Any]:
    return {"notification": NotificationFactory(user=w.owner).pk}


def _refresh(w: World) -> dict[str, Any]:
    from rest_framework_simplejwt.tokens import RefreshToken

    return {"refresh": str(RefreshToken.for_user(w.owner))}


row(
    f"PATCH {AUTH}/me/",
    signed_in(ok(200)),
    body=lambda w, c: {"first_name": "Changed"},
    why="one's own profile; there is no other user's to reach",
)
row(
    f"POST {AUTH}/notifications/read/",
    signed_in(noop(200), owner=ok(200)),
    setup=_notification,
    body=lambda w, c: {"ids": [c["notification"]]},
    why="only the reader's own notifications are marked; another user's ids change nothing",
)
row(
    f"POST {AUTH}/password/change/",
    signed_in(ok(204)),
    body=lambda w, c: {"old_password": PASSWORD, "new_password": "another-long-secret-77"},
    why="one's own password, checked against the current one",
)
row(
    f"POST {AUTH}/register/",
    each(ok(201)),
    body=lambda w, c: {"username": "newcomer", "email": "new@example.test", "password": PASSWORD},
    why="anyone may register (a bearer token is ignored)",
)
row(
    f"POST {AUTH}/token/",
    each(ok(200)),
    body=lambda w, c: {"username": w.owner.username, "password": PASSWORD},
    why="the credentials authenticate, not the caller",
)
row(
    f"POST {AUTH}/token/refresh/",
    each(ok(200)),
    setup=_refresh,
    body=lambda w, c: {"refresh": c["refresh"]},
    why="the refresh token is the credential",
)
row(
    f"POST {AUTH}/token/blacklist/",
    each(ok(200)),
    setup=_refresh,
    body=lambda w, c: {"refresh": c["refresh"]},
    why="the refresh token is the credential",
)

# --- core: live proofs ---------------------------------------------------------------------

row(
    "POST /api/v1/proofs/{name}/run/",
    each(ok(200)),
    setup=lambda w: {"name": "never-a-500"},
    why="anyone may run a proof in demo mode: it acts as nobody (a bearer token is not read)",
)

# --- shop ---------------------------------------------------------------------------------

SHOP = "/api/v1/shop"


def _category(w: World) -> dict[str, Any]:
    from tests.shop.factories import make_category

    return {"slug": make_category().slug}


def _product(w: World) -> dict[str, Any]:
    from tests.shop.factories import make_product

    product = make_product()
    return {"id": product.pk, "category": product.category.slug}


def _cart_item(w: World) -> dict[str, Any]:
    from shop.services.cart import cart_item_add
    from tests.shop.factories import make_product

    product = make_product(stock=50)
    item = cart_item_add(user=w.owner, product_id=product.pk, quantity=1)
    return {"id": item.pk, "product": product.pk}


def _order(w: World) -> dict[str, Any]:
    from tests.shop.factories import make_product, place_order

    return {"id": place_order(w.owner, (make_product(stock=50), 1)).pk}


row(
    f"POST {SHOP}/categories/",
    staff_only(ok(201)),
    body=lambda w, c: {"name": "Gadgets", "slug": "gadgets"},
    why="the catalog is staff's",
)
row(
    f"PATCH {SHOP}/categories/{{slug}}/",
    staff_only(ok(200)),
    setup=_category,
    body=lambda w, c: {"name": "Renamed"},
)
row(f"DELETE {SHOP}/categories/{{slug}}/", staff_only(ok(204)), setup=_category)
row(
    f"POST {SHOP}/products/",
    staff_only(ok(201)),
    setup=_category,
    body=lambda w, c: {
        "category": c["slug"],
        "name": "Widget",
        "slug": "widget",
        "sku": "W-1",
        "price": "9.99",
    },
)
row(
    f"PATCH {SHOP}/products/{{id}}/",
    staff_only(ok(200)),
    setup=_product,
    body=lambda w, c: {"price": "0.01", "stock": 0},
)
row(f"DELETE {SHOP}/products/{{id}}/", staff_only(ok(204)), setup=_product)
row(
    f"POST {SHOP}/cart/items/",
    signed_in(ok(201)),
    setup=_product,
    body=lambda w, c: {"product": c["id"], "quantity": 1},
    why="into one's own cart",
)
row(
    f"PATCH {SHOP}/cart/items/{{id}}/",
    signed_in(NOT_FOUND, owner=ok(200)),
    setup=_cart_item,
    body=lambda w, c: {"quantity": 3},
    why="another user's cart line is a 404 (staff included)",
)
row(
    f"DELETE {SHOP}/cart/items/{{id}}/",
    signed_in(NOT_FOUND, owner=ok(204)),
    setup=_cart_item,
    why="another user's cart line is a 404 (staff included)",
)
row(
    f"POST {SHOP}/cart/checkout/",
    signed_in(no(409, "cart_empty"), owner=ok(201)),
    setup=_cart_item,
    body=lambda w, c: {"payment_method": "bank_transfer"},
    why="checks out the caller's own cart; another's stays as it was",
)
row(
    f"POST {SHOP}/orders/",
    signed_in(ok(201)),
    setup=_product,
    body=lambda w, c: {"items": [{"product": c["id"], "quantity": 1}]},
)
row(
    f"POST {SHOP}/orders/{{id}}/cancel/",
    signed_in(NOT_FOUND, owner=ok(200), staff=ok(200)),
    setup=_order,
    why="the owner or staff; another user's order is a 404",
)
row(
    f"POST {SHOP}/orders/{{id}}/transition/",
    staff_only(ok(200)),
    setup=_order,
    body=lambda w, c: {"status": "paid"},
)
row(
    f"POST {SHOP}/payments/webhook/",
    each(no(400, "invalid_signature")),
    setup=_order,
    body=lambda w, c: {
        "id": "evt_forged",
        "type": "payment.succeeded",
        "data": {"order": c["id"], "amount": "10.00", "currency": "EUR"},
    },
    why="only the provider's signature pays an order: no bearer token (staff's neither) does",
)

# --- social (REST) ------------------------------------------------------------------------

SOCIAL = "/api/v1/social"


def _post(w: World) -> dict[str, Any]:
    from tests.social.factories import post

    return {"id": post(w.owner, "mine").pk}


def _liked_post(w: World) -> dict[str, Any]:
    from social.services import posts

    ctx = _post(w)
    for identity in IDENTITIES:
        if identity != "anonymous":
            posts.post_like(user=w.user(identity), post_id=ctx["id"])
    return ctx


def _account(w: World) -> dict[str, Any]:
    return {"username": w.owner.username}


def _followed_account(w: World) -> dict[str, Any]:
    from social.services import relationships

    for identity in IDENTITIES:
        if identity not in ("anonymous", "owner"):
            relationships.follow_create(user=w.user(identity), username=w.owner.username)
    return _account(w)


row(
    f"POST {SOCIAL}/posts/",
    signed_in(ok(201)),
    body=lambda w, c: {"content": "hello"},
)
row(
    f"PATCH {SOCIAL}/posts/{{id}}/",
    signed_in(FORBIDDEN, owner=ok(200)),
    setup=_post,
    body=lambda w, c: {"content": "hijacked"},
    why="its author only (moderators delete, they do not edit)",
)
row(
    f"DELETE {SOCIAL}/posts/{{id}}/",
    signed_in(FORBIDDEN, owner=ok(204), moderator=ok(204)),
    setup=_post,
    why="its author or a moderator",
)
row(
    f"POST {SOCIAL}/posts/{{id}}/comments/",
    signed_in(ok(201)),
    setup=_post,
    body=lambda w, c: {"text": "nice"},
)
row(f"POST {SOCIAL}/posts/{{id}}/like/", signed_in(ok(200)), setup=_post)
row(
    f"DELETE {SOCIAL}/posts/{{id}}/like/",
    signed_in(ok(200)),
    setup=_liked_post,
    why="removes the caller's own like only",
)
row(
    f"POST {SOCIAL}/users/{{username}}/follow/",
    signed_in(ok(200), owner=no(400, "validation_error")),
    setup=_account,
    why="the caller follows; following oneself is a 400",
)
row(
    f"DELETE {SOCIAL}/users/{{username}}/follow/",
    signed_in(ok(200), owner=no(400, "validation_error")),
    setup=_followed_account,
    why="the caller's own follow only",
)

# --- social (GraphQL) ---------------------------------------------------------------------


def _comment(w: World) -> dict[str, Any]:
    from social.services import posts

    ctx = _post(w)
    ctx["comment"] = posts.comment_create(user=w.owner, post_id=ctx["id"], text="mine").pk
    return ctx


def _relations(w: World) -> dict[str, Any]:
    """Everyone else signed in follows and mutes the owner (undoing either is then a real
    change; unblocking is idempotent, so it needs no block)."""
    from social.services import relationships

    for identity in IDENTITIES:
        if identity not in ("anonymous", "owner"):
            relationships.follow_create(user=w.user(identity), username=w.owner.username)
            relationships.mute_create(user=w.user(identity), username=w.owner.username)
    return _account(w)


row(
    "Mutation.createUser",
    each(GQL_OK),
    query="mutation($u: String!, $e: String!, $p: String!) "
    "{ createUser(username: $u, email: $e, password: $p) { user { id } } }",
    body=lambda w, c: {"u": "newcomer", "e": "new@example.test", "p": PASSWORD},
    why="registration, anonymous (as REST)",
)
row(
    "Mutation.updateProfile",
    each(GQL_OK, anonymous=G_ANON),
    query='mutation { updateProfile(bio: "changed") { user { id } } }',
)
row(
    "Mutation.createPost",
    each(GQL_OK, anonymous=G_ANON),
    query='mutation { createPost(content: "hello") { post { id } } }',
)
row(
    "Mutation.updatePost",
    each(G_FORBIDDEN, anonymous=G_ANON, owner=GQL_OK),
    setup=_post,
    query='mutation($id: ID!) { updatePost(postId: $id, content: "hijacked") { post { id } } }',
    body=lambda w, c: {"id": c["id"]},
)
row(
    "Mutation.deletePost",
    each(G_FORBIDDEN, anonymous=G_ANON, owner=GQL_OK, moderator=GQL_OK),
    setup=_post,
    query="mutation($id: ID!) { deletePost(postId: $id) { ok } }",
    body=lambda w, c: {"id": c["id"]},
)
row(
    "Mutation.likePost",
    each(GQL_OK, anonymous=G_ANON),
    setup=_post,
    query="mutation($id: ID!) { likePost(postId: $id) { post { id } } }",
    body=lambda w, c: {"id": c["id"]},
)
row(
    "Mutation.unlikePost",
    each(GQL_OK, anonymous=G_ANON),
    setup=_liked_post,
    query="mutation($id: ID!) { unlikePost(postId: $id) { post { id } } }",
    body=lambda w, c: {"id": c["id"]},
)
row(
    "Mutation.sharePost",
    each(GQL_OK, anonymous=G_ANON),
    setup=_post,
    query="mutation($id: ID!) { sharePost(postId: $id) { post { id } } }",
    body=lambda w, c: {"id": c["id"]},
)
row(
    "Mutation.createComment",
    each(GQL_OK, anonymous=G_ANON),
    setup=_post,
    query='mutation($id: ID!) { createComment(postId: $id, text: "hi") { comment { id } } }',
    body=lambda w, c: {"id": c["id"]},
)
row(
    "Mutation.deleteComment",
    each(G_FORBIDDEN, anonymous=G_ANON, owner=GQL_OK, moderator=GQL_OK),
    setup=_comment,
    query="mutation($id: ID!) { deleteComment(commentId: $id) { ok } }",
    body=lambda w, c: {"id": c["comment"]},
    why="its author or a moderator",
)
for _field, _setup in (
    ("followUser", _account),
    ("unfollowUser", _relations),
    ("blockUser", _account),
    ("unblockUser", _relations),
    ("muteUser", _account),
    ("unmuteUser", _relations),
):
    row(
        f"Mutation.{_field}",
        each(GQL_OK, anonymous=G_ANON, owner=G_SELF),
        setup=_setup,
        query=f"mutation($u: String!) {{ {_field}(username: $u) {{ ok }} }}",
        body=lambda w, c: {"u": c["username"]},
        why="the caller's own relation to an account; not to oneself",
    )

# --- movies -------------------------------------------------------------------------------

MOVIES = "/api/v1/movies"


def _movie(w: World) -> dict[str, Any]:
    from tests.movies.factories import make_genre, make_movie

    make_genre("Drama")
    return {"movie": make_movie("Secured", 1999, ("Drama",)).pk}


def _rating(w: World) -> dict[str, Any]:
    from movies import services

    ctx = _movie(w)
    rating, _ = services.rating_set(user=w.owner, movie_id=ctx["movie"], score=Decimal("4.0"))
    return {**ctx, "id": rating.pk}


def _favorite(w: World) -> dict[str, Any]:
    from movies import services

    ctx = _movie(w)
    favorite, _ = services.favorite_add(user=w.owner, movie_id=ctx["movie"])
    return {**ctx, "id": favorite.pk}


row(
    f"POST {MOVIES}/ratings/",
    signed_in(ok(201)),
    setup=_movie,
    body=lambda w, c: {"movie": c["movie"], "score": "4.5"},
)
row(
    f"DELETE {MOVIES}/ratings/{{id}}/",
    signed_in(NOT_FOUND, owner=ok(204)),
    setup=_rating,
    why="another user's rating is a 404",
)
row(
    f"POST {MOVIES}/favorites/",
    signed_in(ok(201)),
    setup=_movie,
    body=lambda w, c: {"movie": c["movie"]},
)
row(
    f"DELETE {MOVIES}/favorites/{{id}}/",
    signed_in(NOT_FOUND, owner=ok(204)),
    setup=_favorite,
    why="another user's favorite is a 404",
)
row(
    f"PUT {MOVIES}/preferences/",
    signed_in(ok(200)),
    setup=_movie,
    body=lambda w, c: {"favorite_genres": ["drama"], "disliked_genres": []},
)
row(f"POST {MOVIES}/recommender/train/", staff_only(ok(202)))

# --- jobs ---------------------------------------------------------------------------------

JOBS = "/api/v1/jobs"


def _jobs_world(w: World) -> None:
    """The owner is an employer who owns a company; the "employer" identity owns another."""
    from tests.jobs.factories import make_company

    w.grant("owner", Role.EMPLOYER)
    w.extra["company"] = make_company(w.owner, name="Owned")
    w.extra["other_company"] = make_company(w.users["employer"], name="Elsewhere")


def _company(w: World) -> dict[str, Any]:
    _jobs_world(w)
    return {"id": w.extra["company"].pk}


def _job(w: World, *, publish: bool = True) -> dict[str, Any]:
    from tests.jobs.factories import make_job

    _jobs_world(w)
    return {"id": make_job(w.extra["company"], publish=publish).pk}


def _pending_job(w: World) -> dict[str, Any]:
    w.settings.JOBS_MODERATION = True
    return _job(w)


def _application(w: World) -> dict[str, Any]:
    """The owner is the candidate who applied; ``company_member`` is the employer who
    owns the job's company (another party the rules name)."""
    from tests.jobs.factories import apply, employer, make_company, make_job

    w.grant("owner", Role.CANDIDATE)
    member = employer()
    w.extra["company_member"] = member
    make_company(w.users["employer"], name="Elsewhere")
    job = make_job(make_company(member, name="Hiring"))
    return {"id": apply(job, w.owner).pk}


def _saved_search(w: World) -> dict[str, Any]:
    from jobs.services.searches import saved_search_create

    w.grant("owner", Role.CANDIDATE)
    search = saved_search_create(user=w.owner, query="python", filters={}, frequency="daily")
    return {"id": search.pk}


EMPLOYERS_ONLY = each(FORBIDDEN, anonymous=ANON, owner=ok(201), employer=ok(201))
CANDIDATES_ONLY = each(FORBIDDEN, anonymous=ANON, candidate=ok(201))

row(
    f"POST {JOBS}/companies/",
    EMPLOYERS_ONLY,
    setup=_company,
    body=lambda w, c: {"name": "Newco"},
    why="employers create companies",
)
row(
    f"PATCH {JOBS}/companies/{{id}}/",
    signed_in(FORBIDDEN, owner=ok(200)),
    setup=_company,
    body=lambda w, c: {"description": "Changed"},
    why="its members (another company's employer included: 403)",
)
row(
    f"POST {JOBS}/companies/{{id}}/members/",
    signed_in(FORBIDDEN, owner=ok(201)),
    setup=_company,
    body=lambda w, c: {"user": w.users["employer"].pk, "role": "recruiter"},
    why="the company's owner adds members",
)
row(
    f"POST {JOBS}/jobs/",
    each(FORBIDDEN, anonymous=ANON, owner=ok(201)),
    setup=_company,
    body=lambda w, c: {"company": c["id"], "title": "New role", "description": "Do things."},
    why="employers, for a company they belong to",
)
row(
    f"PATCH {JOBS}/jobs/{{id}}/",
    signed_in(FORBIDDEN, owner=ok(200)),
    setup=_job,
    body=lambda w, c: {"title": "Renamed"},
    why="the company's members",
)
row(
    f"DELETE {JOBS}/jobs/{{id}}/",
    signed_in(FORBIDDEN, owner=ok(204)),
    setup=_job,
    why="the company's members",
)
row(
    f"POST {JOBS}/jobs/{{id}}/apply/",
    CANDIDATES_ONLY,
    setup=_job,
    body=lambda w, c: {"cover_letter": "Hello"},
    why="candidates",
)
row(
    f"POST {JOBS}/jobs/{{id}}/approve/",
    each(FORBIDDEN, anonymous=ANON, moderator=ok(200)),
    setup=_pending_job,
    why="moderators",
)
row(
    f"POST {JOBS}/jobs/{{id}}/reject/",
    each(FORBIDDEN, anonymous=ANON, moderator=ok(200)),
    setup=_job,
    body=lambda w, c: {"reason": "Spam"},
    why="moderators",
)
row(
    f"POST {JOBS}/jobs/{{id}}/close/",
    signed_in(FORBIDDEN, owner=ok(200)),
    setup=_job,
    why="the company's members",
)
row(
    f"POST {JOBS}/jobs/{{id}}/submit/",
    signed_in(NOT_FOUND, owner=ok(200), moderator=FORBIDDEN),
    setup=lambda w: _job(w, publish=False),
    why="the company's members; a draft is invisible (404) to all but them and moderators",
)
row(
    f"POST {JOBS}/applications/{{id}}/transition/",
    signed_in(NOT_FOUND, owner=FORBIDDEN, company_member=ok(200)),
    setup=_application,
    body=lambda w, c: {"status": "in_review"},
    why="the job's company moves it; its candidate may not (403); anyone else: 404",
)
row(
    f"POST {JOBS}/applications/{{id}}/withdraw/",
    signed_in(NOT_FOUND, owner=ok(200), company_member=FORBIDDEN),
    setup=_application,
    body=lambda w, c: {},
    why="its candidate; the company may not (403); anyone else: 404",
)
row(
    f"POST {JOBS}/saved-searches/",
    CANDIDATES_ONLY,
    body=lambda w, c: {"query": "django", "frequency": "instant"},
    why="candidates",
)
row(
    f"DELETE {JOBS}/saved-searches/{{id}}/",
    each(FORBIDDEN, anonymous=ANON, owner=ok(204), candidate=NOT_FOUND),
    setup=_saved_search,
    why="its candidate; another candidate's is a 404",
)

# --- polls --------------------------------------------------------------------------------

POLLS = "/api/v1/polls/polls"


def _poll(w: World) -> dict[str, Any]:
    from tests.polls.factories import make_poll, option_ids

    poll = make_poll(w.owner)
    return {"id": poll.pk, "options": option_ids(poll)}


def _voted_poll(w: World) -> dict[str, Any]:
    from tests.polls.factories import cast

    ctx = _poll(w)
    from polls.models import Poll

    cast(Poll.objects.get(pk=ctx["id"]), w.owner, 0)
    return ctx


row(
    f"POST {POLLS}/",
    signed_in(ok(201)),
    body=lambda w, c: {"question": "Tea?", "options": ["Yes", "No"]},
)
row(
    f"PATCH {POLLS}/{{id}}/",
    signed_in(FORBIDDEN, owner=ok(200)),
    setup=_poll,
    body=lambda w, c: {"question": "Hijacked?"},
    why="its owner (staff neither)",
)
row(
    f"DELETE {POLLS}/{{id}}/",
    signed_in(FORBIDDEN, owner=ok(204)),
    setup=_poll,
    why="its owner (staff neither)",
)
row(
    f"POST {POLLS}/{{id}}/close/",
    signed_in(FORBIDDEN, owner=ok(200)),
    setup=_poll,
    why="its owner (staff neither)",
)
row(
    f"POST {POLLS}/{{id}}/stream-ticket/",
    signed_in(ok(201)),
    setup=_poll,
    why="any signed-in reader; the ticket carries their own identity",
)
row(
    f"POST {POLLS}/{{id}}/vote/",
    signed_in(ok(201)),
    setup=_poll,
    body=lambda w, c: {"option": c["options"][1]},
    why="one ballot each; anonymous only where the poll allows it",
)
row(
    f"DELETE {POLLS}/{{id}}/vote/",
    signed_in(no(409, "not_voted"), owner=ok(204)),
    setup=_voted_poll,
    why="retracts the caller's own ballot only",
)

BY_OPERATION: dict[str, Row] = {}
for _row in ROWS:
    assert _row.operation not in BY_OPERATION, f"two rows for {_row.operation}"
    BY_OPERATION[_row.operation] = _row
