"""``GET /api/v1/polls/polls/{id}/results/stream/``: live results as Server-Sent Events.

An async view, served by the ASGI deployment (under WSGI Django would buffer the
stream whole). Every stream of a poll in a process shares one ``core.live.sse`` watch:
votes anywhere wake it (Redis pub/sub, or in-process in the embedded default), it
reloads the cached results at most every ``STREAMS_MIN_INTERVAL_SECONDS``, and each
stream renders what its viewer may see. Events:

- the default (``message``) event: the results document, ``id`` its ``version``;
- ``final``: the closed poll's results; the stream then ends (and a reconnect with
  that id gets a 204, which tells ``EventSource`` to stop);
- ``deleted``: the poll is gone; the stream ends.

Identity: ``?ticket=`` from ``POST .../stream-ticket/`` for a signed-in viewer, the
anonymous voter cookie for an anonymous one, else what anyone may see.
"""

from __future__ import annotations

import json
import re
from functools import partial

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.http.catalogue import ProblemError
from core.http.problems import problem_response
from core.live import sse, topics
from polls import selectors, services
from polls.models import Poll
from polls.voters import ticket_user, voter_for

_EVENT_ID = re.compile(r"\d{1,19}")


def _snapshot_of(poll_id: int) -> topics.Snapshot:
    try:
        data = selectors.results_snapshot(poll_id)
    except Poll.DoesNotExist:
        return topics.Snapshot(key="deleted", data=None, final=True)
    now = timezone.now()
    return topics.Snapshot(
        key=(data.version_at(now), data.state(now)),
        data=data,
        final=data.closed(now),
        refresh_at=data.refresh_at(now),
    )


async def _load(poll_id: int) -> topics.Snapshot:
    return await sse.run_sync_closing(_snapshot_of, poll_id)


def _first_look(
    poll_id: int, user_id: int | None, voter_key: str | None
) -> tuple[selectors.ResultsSnapshot, selectors.ResultsViewer]:
    """The snapshot at connect time, and the viewer with ``voted`` known: it holds for
    the whole stream, so each later snapshot renders without a query."""
    data = selectors.results_snapshot(poll_id)
    return data, selectors.results_viewer(data, user_id=user_id, voter_key=voter_key)


def _render(
    snapshot: topics.Snapshot, *, poll_id: int, viewer: selectors.ResultsViewer
) -> topics.Event:
    if snapshot.data is None:
        return topics.Event(data=json.dumps({"poll": poll_id, "deleted": True}), event="deleted")
    results = selectors.results_for(snapshot=snapshot.data, viewer=viewer)
    return topics.Event(
        data=json.dumps(results.as_dict(), separators=(",", ":")),
        id=str(results.version),
        event="final" if snapshot.final else None,
    )


async def results_stream(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return problem_response(
            status=405,
            code="method_not_allowed",
            detail=f"Method {request.method!r} not allowed; use GET.",
            headers={"Allow": "GET, HEAD"},
            instance=request.path,
        )
    user_id = None
    ticket = request.GET.get("ticket")
    try:
        if ticket:
            user_id = ticket_user(ticket, poll_id=pk)
    except ProblemError as exc:
        return problem_response(
            status=exc.problem.status,
            code=exc.problem.code,
            detail=exc.detail,
            instance=request.path,
        )
    if user_id is not None:
        voter_key: str | None = f"u:{user_id}"
    else:
        anonymous = voter_for(None, request.COOKIES)
        voter_key = anonymous.key if anonymous else None
    try:
        data, viewer = await sse.run_sync_closing(_first_look, pk, user_id, voter_key)
    except Poll.DoesNotExist:
        return problem_response(
            status=404, code="not_found", detail=f"No poll with id {pk}.", instance=request.path
        )

    last_event_id = request.headers.get("Last-Event-ID", "")
    last_event_id = last_event_id if _EVENT_ID.fullmatch(last_event_id) else None
    render = partial(_render, poll_id=pk, viewer=viewer)
    if data.closed(timezone.now()) and last_event_id is not None:
        final = render(topics.Snapshot(key=None, data=data, final=True))
        if final.id == last_event_id:
            # The client has the final result: 204 tells EventSource not to reconnect.
            return HttpResponse(status=204)
    subscription = sse.watch(services.stream_topic(pk), partial(_load, pk))
    return sse.sse_response(subscription, render, last_event_id=last_event_id)
