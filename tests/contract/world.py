"""The conformance suite's world: the fuzzer's (tests/fuzz/world.py: one user per role,
each owning objects), grown so that every list its owner reads has at least two items
(a page of one then has a ``next`` to walk), the moderation queue has jobs in review,
and lists carry more than one value of the fields they filter on."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tests.fuzz.world import World, build_world

__all__ = ["World", "build_contract_world"]


def build_contract_world() -> World:
    from jobs.services.applications import application_create
    from jobs.services.postings import job_close, job_submit
    from jobs.services.searches import saved_search_create
    from movies import services as movies_services
    from polls import services as polls_services
    from shop.services.orders import order_place
    from social.services import posts as social_posts
    from social.services.relationships import follow_create
    from tests.core.factories import UserFactory
    from tests.jobs.factories import make_company, make_job, pdf_bytes
    from tests.movies.factories import make_movie
    from tests.polls.factories import make_poll
    from tests.shop.factories import make_category, make_product

    world = build_world()
    users, objects = world.users, world.objects
    customer, candidate = users["customer"], users["candidate"]
    employer, moderator = users["employer"], users["moderator"]
    v1 = "/api/v1/"

    # shop: a second category and product, an empty category (one staff may delete), a
    # second order
    second_category = make_category("Conformance")
    empty_category = make_category("Empty")
    second_product = make_product(second_category, stock=1_000, price=Decimal("25.00"))
    order_place(user=customer, lines=[(second_product.pk, 2)])

    # social: the customer follows the moderator (two posts in the feed), a second comment
    follow_create(user=customer, username=moderator.username)
    social_posts.comment_create(user=customer, post_id=objects["post"].pk, text="Another.")

    # jobs: a second company, a closed job, two jobs in review, a second application to
    # the same job (another candidate, with a résumé) and one to another job, a second
    # saved search, an employer to add to the company
    company = objects["company"]
    make_company(owner=employer, name="Second Conformance Co")
    closed = make_job(company, remote=True)
    job_close(job=closed, actor=employer)
    with override_settings(JOBS_MODERATION=True):
        pending = [job_submit(job=make_job(company, publish=False), actor=employer)]
        pending.append(job_submit(job=make_job(company, publish=False), actor=employer))
    other_candidate = UserFactory(
        username="contract-candidate", roles=["customer", "candidate"], first_name="Other"
    )
    recruiter = UserFactory(username="contract-recruiter", roles=["customer", "employer"])
    with_resume = application_create(
        job_id=objects["job"].pk,
        candidate=other_candidate,
        cover_letter="Hi.",
        resume=SimpleUploadedFile("cv.pdf", pdf_bytes(), "application/pdf"),
    )
    second_job = make_job(company, remote=True)
    application_create(job_id=second_job.pk, candidate=candidate, cover_letter="Hello again.")
    saved_search_create(
        user=candidate, name="Second", query="django", filters={}, frequency="weekly"
    )

    # movies: a trained recommender
    movies_services.model_train()

    # polls: a second, closed poll of the customer's
    second_poll = make_poll(customer, options=("Yes", "No"))
    polls_services.poll_close(poll_id=second_poll.pk, actor=customer)

    # movies: another genre; the customer rates and likes a second movie
    make_movie("Conformance Comedy", 2010, ("Comedy",))
    movies_services.rating_set(
        user=customer, movie_id=objects["other_movie"].pk, score=Decimal("3.5")
    )
    movies_services.favorite_add(user=customer, movie_id=objects["other_movie"].pk)

    objects.update(
        {
            "second_product": second_product,
            "second_category": second_category,
            "closed_job": closed,
            "pending_jobs": pending,
            "second_job": second_job,
            "second_poll": second_poll,
            "other_candidate": other_candidate,
            "recruiter": recruiter,
        }
    )
    world.path_ids[f"{v1}jobs/applications/"].append(with_resume.pk)
    world.path_ids[f"{v1}jobs/jobs/"] += [job.pk for job in pending]
    world.path_ids[f"{v1}shop/categories/"] += [second_category.slug, empty_category.slug]
    # Core's proof runs in the test's thread and transaction; the domains' race threads
    # on connections of their own, which the world's transaction would hide it from.
    world.path_ids[f"{v1}proofs/"] = ["never-a-500"]
    return world
