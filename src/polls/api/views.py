"""Polls endpoints: thin; they validate, call a selector or service, and shape output.
The results stream (async, Server-Sent Events) is in ``polls.api.stream``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http.links import link
from core.http.openapi import CURSOR_PAGE_PARAMETERS, ProblemSerializer, deprecated_parameter
from core.http.pagination import KeysetPagination
from core.http.throttling import ScopedIPThrottle, ScopedUserThrottle
from core.http.validation import fields_renamed
from core.identity.actors import authenticated_user
from polls import selectors, services
from polls.api import serializers as s
from polls.models import POLL_STATES
from polls.voters import remember_voter, ticket_issue, voter_for


def _problems(description: str) -> OpenApiResponse:
    return OpenApiResponse(ProblemSerializer, description=description)


def _viewer(request: Request) -> selectors.ResultsViewer:
    voter = voter_for(request.user, request.COOKIES)
    return selectors.ResultsViewer(
        user_id=request.user.pk if request.user.is_authenticated else None,
        voter_key=voter.key if voter else None,
    )


class PollPagination(KeysetPagination):
    orderings = {"-id": "-id", "id": "id"}
    default_ordering = "-id"


def _reader(request: Request, now: datetime) -> dict[str, Any]:
    """The serializer context: the clock the state is derived from, who reads, and the
    request its links are absolute for."""
    user_id = request.user.pk if request.user.is_authenticated else None
    return {"now": now, "user_id": user_id, "request": request}


def _poll_body(request: Request, poll_id: int) -> dict[str, Any]:
    poll = selectors.poll_get(poll_id=poll_id)
    return s.PollSerializer(poll, context=_reader(request, timezone.now())).data


class PollListView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = PollPagination

    @extend_schema(
        summary="Browse polls",
        description="Newest first, keyset-paginated (follow `next`, and `previous` back). "
        "`state` filters by the poll's `state` (`status`, its former name, still works); "
        "`owner` by user id.",
        operation_id="polls_polls_list",
        parameters=[
            s.PollFilterSerializer,
            deprecated_parameter("status", "state", str, enum=list(POLL_STATES)),
            # The keyset paginator's own parameters (an APIView does not document them).
            *CURSOR_PAGE_PARAMETERS,
            OpenApiParameter(
                "ordering",
                str,
                enum=list(PollPagination.orderings),
                description=f"Sort order (default `{PollPagination.default_ordering}`).",
            ),
        ],
        responses={200: s.PollPageSerializer},
    )
    def get(self, request: Request) -> Response:
        filters = s.PollFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        now = timezone.now()
        polls = selectors.poll_list(
            state=filters.validated_data.get("state"),
            owner_id=filters.validated_data.get("owner"),
            now=now,
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(polls, request, self)
        body = s.PollSerializer(page, many=True, context=_reader(request, now)).data
        return paginator.get_paginated_response(body)

    @extend_schema(
        summary="Create a poll",
        description="2 to 20 options, distinct ignoring case; `closes_at` in the future; "
        "`max_choices` only for multiple-choice polls, at most the number of options. "
        "Each refusal is a 400 naming the field.",
        request=s.PollWriteSerializer,
        responses={201: s.PollSerializer},
    )
    def post(self, request: Request) -> Response:
        payload = s.PollWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        poll = services.poll_create(
            owner=authenticated_user(request), options=data.pop("options"), **data
        )
        return Response(_poll_body(request, poll.pk), status=status.HTTP_201_CREATED)


class PollDetailView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        summary="A poll",
        operation_id="polls_polls_retrieve",
        responses={200: s.PollSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_poll_body(request, pk))

    @extend_schema(
        summary="Edit a poll (owner)",
        description="Options, `kind`, `max_choices` and `opens_at` change only before the "
        "first vote (else 409 `poll_has_votes`); a closed poll cannot change (409 "
        "`poll_closed`). Sending `options` replaces them all (new ids).",
        request=s.PollWriteSerializer(partial=True),
        responses={
            200: s.PollSerializer,
            409: _problems("`poll_has_votes` or `poll_closed`"),
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        payload = s.PollWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.poll_update(
            poll_id=pk, actor=authenticated_user(request), changes=dict(payload.validated_data)
        )
        return Response(_poll_body(request, pk))

    @extend_schema(
        summary="Delete a poll (owner)",
        responses={204: None},
    )
    def delete(self, request: Request, pk: int) -> Response:
        services.poll_delete(poll_id=pk, actor=authenticated_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PollCloseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Close a poll now (owner)",
        description="A scheduled or open poll (`allowed_transitions` lists `closed` for its "
        "owner). Idempotent: closing a closed poll answers it unchanged. Streams get the final "
        "result and end; the owner is notified.",
        request=None,
        responses={200: s.PollSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        services.poll_close(poll_id=pk, actor=authenticated_user(request))
        return Response(_poll_body(request, pk))


class VoteView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedUserThrottle, ScopedIPThrottle]
    throttle_scope = "poll_vote"
    openapi_problems = (401,)

    @extend_schema(
        summary="Vote",
        description="`{option}` for a single-choice poll, `{options: [...]}` for a "
        "multiple-choice one (at most `max_choices`). One ballot per voter: a second is a "
        "409 `already_voted` (so a retried request is safe: its 409 means the first one "
        "counted). A closed or not-yet-open poll is a 409 `poll_closed` / `poll_not_open`; "
        "an option of another poll a 400. Anonymous votes only where the poll allows them "
        "(else 401): the voter is then remembered by an HttpOnly cookie. Throttled per "
        "user and per IP.",
        request=s.VoteSerializer,
        responses={
            201: s.VoteReceiptSerializer,
            409: _problems("`already_voted`, `poll_closed` or `poll_not_open`"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        payload = s.VoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        option_ids = payload.validated_data["options"]
        voter = voter_for(request.user, request.COOKIES, issue=True)
        assert voter is not None  # issue=True always finds or makes one
        with fields_renamed({"options": payload.validated_data["field"]}):
            ballot = services.vote_cast(poll_id=pk, voter=voter, option_ids=option_ids)
        response = Response(
            {"poll": pk, "options": option_ids, "created_at": ballot.created_at},
            status=status.HTTP_201_CREATED,
        )
        remember_voter(response, voter)
        return response

    @extend_schema(
        summary="Retract my vote",
        description="While the poll is open; then vote again if you like. No ballot is a "
        "409 `not_voted`.",
        responses={204: None, 409: _problems("`not_voted`, `poll_closed` or `poll_not_open`")},
    )
    def delete(self, request: Request, pk: int) -> Response:
        voter = voter_for(request.user, request.COOKIES)
        if voter is None:
            raise NotAuthenticated("Sign in (or vote from this browser) first.")
        services.vote_retract(poll_id=pk, voter=voter)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResultsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Results",
        description="Served from cache, invalidated by every vote; send `If-None-Match` "
        "with the last `ETag` for a 304. Counts are null (`visible: false`) while "
        "`results_visibility` hides them from this viewer (`after_vote`: until they vote; "
        "`after_close`: until the poll closes); the owner always sees them.",
        responses={200: s.ResultsSerializer},
    )
    def get(self, request: Request, pk: int) -> Response:
        results = selectors.results_for(poll_id=pk, viewer=_viewer(request))
        response = Response(results.as_dict())
        response["Cache-Control"] = "private, no-cache"
        response["Vary"] = "Authorization, Cookie"
        return response


class StreamTicketView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="A ticket for the results stream",
        description="`EventSource` cannot send `Authorization`, and a token never goes in a "
        "URL: this short-lived ticket, valid for this poll only, carries your identity to "
        "`results/stream/?ticket=...` so the owner's and voters' views hold there too.",
        request=None,
        responses={201: s.StreamTicketSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        selectors.poll_check_exists(poll_id=pk)
        ticket = ticket_issue(poll_id=pk, user_id=request.user.pk)
        stream = link(request, "polls:results-stream", pk, query={"ticket": ticket})
        return Response(
            {
                "ticket": ticket,
                "expires_in": settings.POLLS_STREAM_TICKET_SECONDS,
                "stream": stream,
            },
            status=status.HTTP_201_CREATED,
        )
