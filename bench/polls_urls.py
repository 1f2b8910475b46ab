"""Bench-only URLconf: every product URL, plus the raw-SQL ceiling of the vote that
bench/polls_run.py measures next to ``POST /api/v1/polls/polls/{id}/vote/`` in the
same run.

The ceiling is a minimal Django view (no DRF view or serializer) behind the same
middleware as the API, paying what the API pays around the vote (bench/ceilings.py):
the same JWT checked by the same class (``core.identity.authentication.JWTAuthentication``),
then the vote's own throttles (``ScopedUserThrottle`` and ``ScopedIPThrottle`` at the
scope ``poll_vote``, the same Redis counters). It runs the vote's transaction as
``polls.services.vote_cast`` does (its module docstring), in raw SQL, for a
single-choice vote ``{"option": id}``:

1. the conditional ``UPDATE polls_poll`` bumping ``version`` and ``voter_count``
   while the poll is open (it takes the poll's row lock), returning the poll's kind,
   ``max_choices`` and ``allow_anonymous``;
2. ``INSERT polls_ballot ... ON CONFLICT DO NOTHING RETURNING id`` (no row: already
   voted);
3. ``UPDATE polls_option`` votes + 1 where the option is the poll's, ``RETURNING id``
   (no row: not an option of the poll);
4. ``INSERT polls_vote``;

in one transaction; a refusal rolls it back (409 closed/already voted, 400 option).
Then, as the service does on commit: the poll's cached results are invalidated
(``core.cache.versioned.invalidate`` of ``polls.selectors.results_namespace``) and its
stream is woken (``core.live.topics.publish_on_commit`` of ``polls.services.stream_topic``).
"""

from __future__ import annotations

import cProfile
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ceilings import checked, refusal
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as product_urlpatterns
from core.cache.versioned import invalidate
from core.http.throttling import ScopedIPThrottle, ScopedUserThrottle
from core.live import topics
from polls.selectors import results_namespace
from polls.services import stream_topic

OPEN_LOCK_SQL = """
UPDATE polls_poll SET version = version + 1, voter_count = voter_count + 1
WHERE id = %s AND status = 'open' AND opens_at <= %s AND (closes_at IS NULL OR closes_at > %s)
RETURNING kind, max_choices, allow_anonymous
"""
BALLOT_INSERT_SQL = """
INSERT INTO polls_ballot (poll_id, voter, user_id, created_at) VALUES (%s, %s, %s, %s)
ON CONFLICT (poll_id, voter) DO NOTHING
RETURNING id
"""
OPTION_BUMP_SQL = """
UPDATE polls_option SET votes = votes + 1 WHERE poll_id = %s AND id = %s RETURNING id
"""
VOTE_INSERT_SQL = """
INSERT INTO polls_vote (ballot_id, poll_id, option_id, single, created_at)
VALUES (%s, %s, %s, %s, %s)
"""

VOTE_THROTTLES = (ScopedUserThrottle, ScopedIPThrottle)  # polls.api.views.VoteView's


def _problem(status: int, code: str) -> JsonResponse:
    return refusal(status, code)


class _Refused(Exception):
    def __init__(self, status: int, code: str) -> None:
        self.status, self.code = status, code


@csrf_exempt
def raw_vote(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return _problem(405, "method_not_allowed")
    user, refused = checked(request, classes=VOTE_THROTTLES, scope="poll_vote")
    if refused is not None:
        return refused
    try:
        option = int(json.loads(request.body)["option"])
    except (ValueError, KeyError, TypeError):
        return _problem(400, "invalid")
    voter = f"u:{user.pk}"
    now = timezone.now()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(OPEN_LOCK_SQL, [pk, now, now])
            poll = cursor.fetchone()
            if poll is None:
                raise _Refused(409, "poll_closed")
            kind, _max_choices, _anonymous = poll
            cursor.execute(BALLOT_INSERT_SQL, [pk, voter, user.pk, now])
            ballot = cursor.fetchone()
            if ballot is None:
                raise _Refused(409, "already_voted")
            cursor.execute(OPTION_BUMP_SQL, [pk, option])
            if cursor.fetchone() is None:
                raise _Refused(400, "invalid_choice")
            cursor.execute(VOTE_INSERT_SQL, [ballot[0], pk, option, kind == "single", now])
            # What the service does once the vote commits: drop the cached results,
            # then wake the streams.
            invalidate(results_namespace(pk))
            topics.publish_on_commit(stream_topic(pk))
    except _Refused as refused:  # raised inside the transaction: rolled back
        return _problem(refused.status, refused.code)
    return JsonResponse(
        {"poll": pk, "options": [option], "created_at": _utc(now)},
        status=201,
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ProfileMiddleware:
    """``BENCH_PROFILE`` (bench/polls_settings.py): one cProfile file per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.directory = Path(os.environ["BENCH_PROFILE"])
        self.directory.mkdir(parents=True, exist_ok=True)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        profile = cProfile.Profile()
        response = profile.runcall(self.get_response, request)
        name = request.path.strip("/").replace("/", "_")
        profile.dump_stats(self.directory / f"{name}-{os.getpid()}-{time.perf_counter_ns()}.prof")
        return response


urlpatterns = [
    path("bench/polls/raw/polls/<int:pk>/vote/", raw_vote),
    *product_urlpatterns,
]
