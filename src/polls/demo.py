"""Polls demo data: a handful of polls in different states and kinds, with votes.

Deterministic (a seeded ``random.Random``) and idempotent: a poll whose question
already exists for the demo owner is left alone. Every write goes through the
services, so tallies are as exact as in production. The open, anonymous-friendly
"live" poll is the one the landing page links to.
"""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from core.site.demo import DEMO_ACCOUNTS
from polls import services
from polls.models import Poll
from polls.voters import Voter

OWNER = "demo_customer"
LIVE_QUESTION = "Which Nexus backend should we demo next?"


def _anonymous(n: int) -> Voter:
    return Voter(key="a:" + hashlib.sha256(f"nexus-demo-voter-{n}".encode()).hexdigest())


POLLS: list[dict[str, Any]] = [
    {
        "question": LIVE_QUESTION,
        "description": "Vote from any browser (no account needed) and watch the bars move.",
        "options": ["Shop", "Social feed", "Movies", "Job board", "Live polls"],
        "allow_anonymous": True,
        "ballots": 42,
    },
    {
        "question": "Which languages do you use at work?",
        "description": "Pick up to three.",
        "options": ["Python", "TypeScript", "Go", "Rust", "Java", "Kotlin", "SQL"],
        "kind": "multiple",
        "max_choices": 3,
        "allow_anonymous": True,
        "ballots": 30,
    },
    {
        "question": "Best slot for the team retrospective?",
        "options": ["Monday 10:00", "Wednesday 14:00", "Friday 11:00"],
        "results_visibility": "after_vote",
        "members_vote": True,
    },
    {
        "question": "Office snack budget: where should it go?",
        "options": ["Fruit", "Coffee beans", "Chocolate", "Nothing, save it"],
        "results_visibility": "after_close",
        "closes_in": timedelta(days=3),
        "allow_anonymous": True,
        "ballots": 12,
    },
    {
        "question": "Name for the new meeting room?",
        "options": ["Ada", "Grace", "Linus", "Guido"],
        "allow_anonymous": True,
        "ballots": 25,
        "close": True,
    },
    {
        "question": "Next quarter's hack week theme?",
        "options": ["Performance", "Accessibility", "Developer tooling"],
        "opens_in": timedelta(days=2),
    },
]


def _choices(rng: random.Random, poll: Poll) -> list[int]:
    ids = list(poll.options.order_by("position").values_list("pk", flat=True))
    weights = [len(ids) - i + rng.random() for i in range(len(ids))]
    if poll.kind == Poll.Kind.SINGLE:
        return rng.choices(ids, weights=weights, k=1)
    count = rng.randint(1, poll.max_choices or len(ids))
    return rng.sample(ids, k=count)


def demo_seed(stdout: Any = None) -> str:
    users = get_user_model().objects
    owner = users.filter(username=OWNER).first()
    if owner is None:
        return "no demo owner; skipped"
    rng = random.Random("nexus-polls-demo")  # noqa: S311  (demo data, not secrets)
    now = timezone.now()
    created = 0
    for spec in POLLS:
        if Poll.objects.filter(owner=owner, question=spec["question"]).exists():
            continue
        fields = {
            key: spec[key]
            for key in ("description", "kind", "max_choices", "allow_anonymous")
            if key in spec
        }
        fields["results_visibility"] = spec.get("results_visibility", "always")
        if "closes_in" in spec:
            fields["closes_at"] = now + spec["closes_in"]
        if "opens_in" in spec:
            fields["opens_at"] = now + spec["opens_in"]
        poll = services.poll_create(
            owner=owner, question=spec["question"], options=spec["options"], **fields
        )
        created += 1
        for n in range(spec.get("ballots", 0)):
            services.vote_cast(poll_id=poll.pk, voter=_anonymous(n), option_ids=_choices(rng, poll))
        if spec.get("members_vote"):
            names = [account.username for account in DEMO_ACCOUNTS if account.username != OWNER]
            for user in users.filter(username__in=names).order_by("pk"):
                voter = Voter(key=f"u:{user.pk}", user_id=user.pk)
                services.vote_cast(poll_id=poll.pk, voter=voter, option_ids=_choices(rng, poll))
        if spec.get("close"):
            services.poll_close(poll_id=poll.pk, actor=owner)
    return f"{created} demo polls created ({len(POLLS) - created} already there)"


def landing_links() -> list[dict[str, str]]:
    """Links for the landing page's polls card: the open demo poll's live page."""
    poll = (
        Poll.objects.filter(question=LIVE_QUESTION, owner__username=OWNER)
        .only("pk")
        .order_by("pk")
        .first()
    )
    if poll is None:
        return []
    return [{"label": "Live results page", "url": reverse("polls-live", args=[poll.pk])}]
