"""Live polls tables. Users are referenced through settings.AUTH_USER_MODEL.

Integrity lives in the database, not in Python:

- one ``Ballot`` per voter and poll (unique), whatever the poll's kind;
- one ``Vote`` per ballot in a single-choice poll (a partial unique index on
  ``ballot`` where ``single``), one per ballot and option in any poll;
- tallies (``Option.votes``, ``Poll.voter_count``) move by ``F()`` updates in the
  vote's own transaction, never read-then-write, and cannot go negative (CHECKs);
- ``Poll.version`` grows by one with every change a reader can see (a vote, a
  retraction, an edit, the close): it is the results' ETag and the stream's event id.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.tasking.workflow import Workflow

MAX_OPTIONS = 20
MIN_OPTIONS = 2

# A poll's state as readers see it (``Poll.state``): ``scheduled`` before ``opens_at``
# and ``closed`` from ``closes_at`` are derived from the clock; ``status`` records only
# open or closed. The clock opens a scheduled poll and closes one at ``closes_at``; its
# owner may close it at any time (POLL_OWNER_MOVES). closed is final.
POLL_WORKFLOW = Workflow(
    "poll",
    {
        "scheduled": ("open", "closed"),
        "open": ("closed",),
        "closed": (),
    },
)
POLL_STATES = POLL_WORKFLOW.statuses
POLL_OWNER_MOVES = frozenset({"closed"})


class Poll(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Visibility(models.TextChoices):
        ALWAYS = "always", "Always"
        AFTER_VOTE = "after_vote", "After voting"
        AFTER_CLOSE = "after_close", "After the poll closes"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="polls"
    )
    question = models.CharField(max_length=300)
    description = models.TextField(max_length=2000, blank=True, default="")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SINGLE)
    # Multiple choice only: how many options one ballot may mark (None: any number).
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(null=True, blank=True)
    # Recorded state. Readers derive "closed" from closes_at too (make run has no beat).
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_notified = models.BooleanField(default=False)
    results_visibility = models.CharField(
        max_length=11, choices=Visibility.choices, default=Visibility.ALWAYS
    )
    allow_anonymous = models.BooleanField(default=False)
    voter_count = models.PositiveIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"], name="polls_poll_owner_idx"),
            # Beat's "due to close" scan touches only open polls with a deadline.
            models.Index(
                fields=["closes_at"],
                name="polls_poll_due_idx",
                condition=Q(status="open", closes_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="polls_poll_closes_after_opens",
            ),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True)
                | Q(kind="multiple", max_choices__gte=1, max_choices__lte=MAX_OPTIONS),
                name="polls_poll_max_choices_valid",
            ),
            models.CheckConstraint(
                condition=Q(voter_count__gte=0), name="polls_poll_voter_count_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return self.question

    def is_closed(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.CLOSED or (
            self.closes_at is not None and self.closes_at <= now
        )

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return not self.is_closed(now) and self.opens_at <= now

    def state(self, now: datetime | None = None) -> str:
        """``scheduled``, ``open`` or ``closed``, derived from the clock as well."""
        now = now or timezone.now()
        if self.is_closed(now):
            return "closed"
        return "open" if self.opens_at <= now else "scheduled"


class Option(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    votes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["poll_id", "position"]
        constraints = [
            models.UniqueConstraint("poll", Lower("text"), name="polls_option_text_unique_ci"),
            models.UniqueConstraint(fields=["poll", "position"], name="polls_option_position"),
            models.CheckConstraint(
                condition=Q(votes__gte=0), name="polls_option_votes_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Ballot(models.Model):
    """One voter's participation in one poll. ``voter`` is ``u:<user id>`` or, for an
    anonymous voter, ``a:<sha256 of the voter token>``: the token itself is never
    stored. Who voted for what is never exposed by the API."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    voter = models.CharField(max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="poll_ballots",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter"], name="polls_ballot_one_per_voter"),
        ]

    def __str__(self) -> str:
        return f"ballot {self.pk} in poll {self.poll_id}"


class Vote(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="vote_rows")
    # Copied from the poll's kind (which cannot change once anyone voted).
    single = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "option"], name="polls_vote_once_per_option"),
            models.UniqueConstraint(
                fields=["ballot"], condition=Q(single=True), name="polls_vote_single_choice"
            ),
        ]

    def __str__(self) -> str:
        return f"vote {self.pk} for option {self.option_id}"
