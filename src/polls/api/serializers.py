"""Polls API shapes. Input serializers check types and bounds; the rules that need
the poll (option counts, duplicates, deadlines, max_choices) live in the services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.http.fields import IdField
from core.http.links import link
from core.http.pagination import envelope_serializer
from polls.models import MAX_OPTIONS, POLL_STATES, Poll
from polls.selectors import poll_allowed_transitions


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    position = serializers.IntegerField(read_only=True)


class LinksSerializer(serializers.Serializer):
    results = serializers.URLField(help_text="The results (absolute URL).")
    stream = serializers.URLField(help_text="The results stream (Server-Sent Events).")
    live = serializers.URLField(help_text="The live results page (HTML).")


class PollSerializer(serializers.Serializer):
    # context["now"]: the clock the state is derived from; context["user_id"]: who reads
    # the poll (None: anonymous), for allowed_transitions; context["request"]: the
    # request the links are made absolute for.
    id = serializers.IntegerField(read_only=True)
    question = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    owner = OwnerSerializer(read_only=True)
    kind = serializers.ChoiceField(choices=Poll.Kind.choices, read_only=True)
    max_choices = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Multiple choice: the most options one ballot may mark (null: any).",
    )
    options = OptionSerializer(many=True, read_only=True)
    state = serializers.SerializerMethodField(
        help_text="`scheduled` (before opens_at), `open`, or `closed` (by the owner or at "
        "closes_at), derived from the clock."
    )
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The states you may move this poll to now: its owner may close a "
        "scheduled or open poll (`closed`, with `close`); empty for anyone else and once "
        "closed (final). "
        "The clock opens a scheduled poll at opens_at and closes it at closes_at."
    )
    opens_at = serializers.DateTimeField(read_only=True)
    closes_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    results_visibility = serializers.ChoiceField(choices=Poll.Visibility.choices, read_only=True)
    allow_anonymous = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    links = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=POLL_STATES))
    def get_state(self, poll: Poll) -> str:
        return poll.state(self.context.get("now"))

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=POLL_STATES)))
    def get_allowed_transitions(self, poll: Poll) -> list[str]:
        user_id = self.context.get("user_id")
        return poll_allowed_transitions(poll=poll, user_id=user_id, now=self.context.get("now"))

    @extend_schema_field(LinksSerializer)
    def get_links(self, poll: Poll) -> dict[str, str]:
        request = self.context["request"]
        return {
            "results": link(request, "polls:results", poll.pk),
            "stream": link(request, "polls:results-stream", poll.pk),
            "live": link(request, "polls-live", poll.pk),
        }


PollPageSerializer = envelope_serializer("PollPage", PollSerializer(many=True))


class PollWriteSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    options = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False),
        max_length=100,
        help_text=f"The option texts in order: 2 to {MAX_OPTIONS}, distinct ignoring case. "
        "Editable only before the first vote.",
    )
    kind = serializers.ChoiceField(choices=Poll.Kind.choices, required=False)
    max_choices = serializers.IntegerField(
        min_value=1, max_value=MAX_OPTIONS, required=False, allow_null=True
    )
    opens_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now.")
    closes_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="In the future; null: until closed by hand."
    )
    results_visibility = serializers.ChoiceField(choices=Poll.Visibility.choices, required=False)
    allow_anonymous = serializers.BooleanField(required=False)


class PollFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=POLL_STATES, required=False, help_text="Only polls in this `state`."
    )
    # Deprecated: the filter's first name (documented by the view as such).
    status = serializers.ChoiceField(choices=POLL_STATES, required=False)
    owner = IdField(required=False, help_text="Only this user's polls.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        old = attrs.pop("status", None)
        if old is not None and attrs.setdefault("state", old) != old:
            raise serializers.ValidationError(
                {"status": ["Deprecated name of `state`, which says otherwise; send `state`."]},
                code="conflict",
            )
        return attrs


class VoteSerializer(serializers.Serializer):
    option = IdField(required=False, help_text="The option, for a single-choice poll.")
    options = serializers.ListField(
        child=IdField(),
        required=False,
        max_length=MAX_OPTIONS,
        help_text="The options, for a multiple-choice poll (at most `max_choices`).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """``{"options": [ids], "field": the name they came under}``: errors about the
        choice are reported under the field the client sent."""
        if ("option" in attrs) == ("options" in attrs):
            raise serializers.ValidationError(
                "Send either `option` (a single-choice poll) or `options` (a multiple-choice "
                "one), not both.",
                code="required" if "option" not in attrs else "invalid",
            )
        if "option" in attrs:
            return {"options": [attrs["option"]], "field": "option"}
        return {"options": attrs["options"], "field": "options"}


class VoteReceiptSerializer(serializers.Serializer):
    poll = serializers.IntegerField()
    options = serializers.ListField(child=serializers.IntegerField())
    created_at = serializers.DateTimeField()


class ResultOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    votes = serializers.IntegerField(allow_null=True, help_text="Null while hidden.")
    percent = serializers.FloatField(
        allow_null=True, help_text="Of the voters (ballots), one decimal; null while hidden."
    )


class ResultsSerializer(serializers.Serializer):
    poll = serializers.IntegerField()
    question = serializers.CharField()
    kind = serializers.ChoiceField(choices=Poll.Kind.choices)
    state = serializers.ChoiceField(choices=POLL_STATES)
    closed = serializers.BooleanField()
    closes_at = serializers.DateTimeField(allow_null=True)
    results_visibility = serializers.ChoiceField(choices=Poll.Visibility.choices)
    visible = serializers.BooleanField(
        help_text="False while `results_visibility` hides the counts from this viewer."
    )
    total_votes = serializers.IntegerField(
        allow_null=True, help_text="Voters (ballots); null while hidden."
    )
    options = ResultOptionSerializer(many=True)
    version = serializers.IntegerField(
        help_text="Grows with every visible change; the ETag and the stream's event id. "
        "0 while hidden."
    )


class StreamTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds.")
    stream = serializers.URLField(help_text="The stream's absolute URL with the ticket.")
