"""The fuzzer's small world: one user per role, each owning objects the fuzzer can reach.

Without it every path id the fuzzer draws is a 404 and every id in a body a 400: the
code behind them (an owner editing a job, a customer cancelling an order, a vote on a
poll) is never run. ``build_world`` seeds, through the domains' services (the factories
of each domain's tests), a customer with a cart, an order, a post, a poll, a rating and a
favourite; a candidate with an application and a saved search; an employer owning a
company with a published and a draft job; a moderator; a staff user. ``World.path_ids``
maps each collection path to the ids that exist under it, ``World.body_values`` each
reference field of a request body (``product``, ``movie``, ``company``, ...) to values
that exist; the harness swaps them into every other positive case (``known_values``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.fuzz import harness

ROLES = ("customer", "candidate", "employer", "moderator", "staff")
IDENTITIES = ("anonymous", *ROLES)


@dataclass
class World:
    users: dict[str, Any]
    # "/api/v1/shop/products/" -> [id, ...]: what ``{id}`` (or ``{slug}``, ``{username}``)
    # may be under that collection.
    path_ids: dict[str, list[Any]] = field(default_factory=dict)
    # A body field -> values that exist; "<field> <path>" for one operation's field only.
    body_values: dict[str, list[Any]] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    # A GraphQL argument -> literals that exist (`postId: 12`, `username: "fuzz-customer"`).
    graphql_values: dict[str, list[str]] = field(default_factory=dict)

    def identities(self) -> list[harness.Identity]:
        return [harness.ANONYMOUS] + [harness.bearer(name, self.users[name]) for name in ROLES]

    def known_path(self, path: str) -> list[Any]:
        """The ids that exist for the first ``{parameter}`` of an operation's path."""
        prefix = path.split("{", 1)[0]
        return self.path_ids.get(prefix, [])


def build_world() -> World:
    from core.identity.roles import Role
    from jobs.services.applications import application_create
    from jobs.services.searches import saved_search_create
    from movies import services as movies_services
    from polls import services as polls_services
    from shop.services.cart import cart_item_add
    from shop.services.orders import order_place
    from social.services import posts as social_posts
    from tests.core.factories import NotificationFactory, UserFactory
    from tests.jobs.factories import make_company, make_job
    from tests.movies.factories import make_movie
    from tests.polls.factories import make_poll, option_ids, voter_of
    from tests.shop.factories import make_category, make_product

    customer = UserFactory(username="fuzz-customer", roles=[Role.CUSTOMER])
    candidate = UserFactory(username="fuzz-candidate", roles=[Role.CUSTOMER, Role.CANDIDATE])
    employer = UserFactory(username="fuzz-employer", roles=[Role.CUSTOMER, Role.EMPLOYER])
    moderator = UserFactory(username="fuzz-moderator", roles=[Role.CUSTOMER, Role.MODERATOR])
    staff = UserFactory(username="fuzz-staff", is_staff=True)
    users = {
        "customer": customer,
        "candidate": candidate,
        "employer": employer,
        "moderator": moderator,
        "staff": staff,
    }
    notifications = NotificationFactory.create_batch(2, user=customer)

    # shop: a category with a product, the customer's cart line and order
    category = make_category("Fuzz")
    product = make_product(category, stock=1_000)
    cart_item = cart_item_add(user=customer, product_id=product.pk, quantity=1)
    order = order_place(user=customer, lines=[(product.pk, 1)])

    # social: a post by the customer, a comment on it by the candidate
    post = social_posts.post_create(author=customer, content="A post to fuzz.")
    comment = social_posts.comment_create(user=candidate, post_id=post.pk, text="A comment.")
    other_post = social_posts.post_create(author=moderator, content="Moderated words.")

    # jobs: the employer's company, a published and a draft job, the candidate's application
    company = make_company(owner=employer)
    job = make_job(company)
    draft = make_job(company, publish=False)
    open_job = make_job(company)  # no application yet: the applications sequence applies
    application = application_create(job_id=job.pk, candidate=candidate, cover_letter="Hello.")
    search = saved_search_create(
        user=candidate, name="Fuzz", query="python", filters={}, frequency="daily"
    )

    # polls: the customer's open poll, with the candidate's vote
    poll = make_poll(customer, options=("Red", "Green", "Blue"))
    options = option_ids(poll)
    polls_services.vote_cast(poll_id=poll.pk, voter=voter_of(candidate), option_ids=options[:1])

    # movies: a movie the customer rated and likes
    movie = make_movie("Fuzz Movie", 2001, ("Drama",))
    other_movie = make_movie("Fuzz Sequel", 2002, ("Drama",))
    rating, _ = movies_services.rating_set(user=customer, movie_id=movie.pk, score=Decimal("4.0"))
    favorite, _ = movies_services.favorite_add(user=customer, movie_id=movie.pk)

    v1 = "/api/v1/"
    path_ids = {
        f"{v1}shop/products/": [product.pk],
        f"{v1}shop/categories/": [category.slug],
        f"{v1}shop/cart/items/": [cart_item.pk],
        f"{v1}shop/orders/": [order.pk],
        f"{v1}social/posts/": [post.pk, other_post.pk],
        f"{v1}social/users/": [moderator.username, customer.username],
        f"{v1}jobs/companies/": [company.pk],
        f"{v1}jobs/jobs/": [job.pk, draft.pk, open_job.pk],
        f"{v1}jobs/applications/": [application.pk],
        f"{v1}jobs/saved-searches/": [search.pk],
        f"{v1}polls/polls/": [poll.pk],
        f"{v1}movies/movies/": [movie.pk],
        f"{v1}movies/ratings/": [rating.pk],
        f"{v1}movies/favorites/": [favorite.pk],
    }
    body_values = {
        "product": [product.pk],
        "category": [category.slug],
        "parent": [category.slug],
        "company": [company.pk],
        f"user {v1}jobs/companies/{{id}}/members/": [candidate.pk],
        "movie": [movie.pk, other_movie.pk],
        "option": [options[1]],
        f"options {v1}polls/polls/{{id}}/vote/": [options[:1], options[1:3]],
        "ids": [[n.pk for n in notifications]],
        "favorite_genres": [["drama"]],
        "disliked_genres": [[]],
    }
    # GraphQL arguments (social), as literals in the query text
    names = [f'"{user.username}"' for user in (moderator, customer, employer)]
    graphql_values = {
        "id": [str(post.pk), str(other_post.pk)],
        "postId": [str(post.pk), str(other_post.pk)],
        "commentId": [str(comment.pk)],
        "userId": [str(customer.pk)],
        "username": names,
        "authorUsername": names,
    }
    objects = {
        "category": category,
        "product": product,
        "order": order,
        "post": post,
        "company": company,
        "job": job,
        "draft": draft,
        "open_job": open_job,
        "options": options,
        "application": application,
        "poll": poll,
        "movie": movie,
        "other_movie": other_movie,
    }
    return World(users, path_ids, body_values, objects, graphql_values)


_PATH_PARAMETER = re.compile(r"{(\w+)}")


def known_values(case: Any, world: World, index: int) -> bool:
    """Swap the world's values into a case: its path parameters (the first one gets the
    collection's ids), and reference fields of a JSON object body. ``index`` picks one
    value out of several, so successive cases go round them. Returns whether it
    changed anything."""
    changed = False
    path = getattr(case.operation, "path", "") or ""
    names = _PATH_PARAMETER.findall(path)
    if names and case.path_parameters is not None:
        ids = world.known_path(path)
        if ids:
            case.path_parameters = {**case.path_parameters, names[0]: ids[index % len(ids)]}
            changed = True
    if isinstance(case.body, dict):
        body = dict(case.body)
        for name in body:
            values = world.body_values.get(f"{name} {path}") or world.body_values.get(name)
            if values:
                body[name] = values[index % len(values)]
                changed = True
        if changed:
            case.body = body
    return changed


# `name: <a string or number literal>` in a GraphQL document.
GRAPHQL_ARGUMENT = re.compile(
    r'(?<![\w$])(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<value>"(?:[^"\\]|\\.)*"|-?\d[\w.+-]*)'
)


def graphql_known_values(case: Any, world: World, index: int) -> bool:
    """Swap the world's literals into the arguments of a GraphQL query (``postId: 7`` ->
    a post that exists). Returns whether it changed anything."""
    if not isinstance(case.body, str):
        return False

    def swap(match: re.Match) -> str:
        values = world.graphql_values.get(match["name"])
        if not values:
            return match[0]
        return f"{match['name']}: {values[index % len(values)]}"

    query = GRAPHQL_ARGUMENT.sub(swap, case.body)
    changed = query != case.body
    case.body = query
    return changed
