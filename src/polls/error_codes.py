"""The polls' problem codes, registered with core's catalogue (each has a page under
/problems/). Clients switch on ``code``."""

from __future__ import annotations

from core.http.catalogue import ProblemCode, register_problem

# Core's, named here as the polls raise it (an anonymous vote where the poll wants an account).
NOT_AUTHENTICATED = ProblemCode.NOT_AUTHENTICATED.problem

ALREADY_VOTED = register_problem(
    "already_voted",
    status=409,
    title="Already voted",
    description="This voter already has a ballot in this poll; nothing was counted. Retract "
    "it first (`DELETE .../vote/`) to vote differently while the poll is open.",
    context="polls",
)
NOT_VOTED = register_problem(
    "not_voted",
    status=409,
    title="No vote to retract",
    description="This voter has no ballot in this poll.",
    context="polls",
)
POLL_CLOSED = register_problem(
    "poll_closed",
    status=409,
    title="Poll closed",
    description="The poll has closed (by its owner or at `closes_at`): it takes no more votes, "
    "retractions or edits. Its results are final.",
    context="polls",
)
POLL_NOT_OPEN = register_problem(
    "poll_not_open",
    status=409,
    title="Poll not open yet",
    description="The poll opens at `opens_at`; votes before then are refused.",
    context="polls",
)
POLL_HAS_VOTES = register_problem(
    "poll_has_votes",
    status=409,
    title="Poll has votes",
    description="Options, kind and `max_choices` can change only before the first vote; "
    "`voter_count` says how many have voted.",
    context="polls",
)
STREAM_TICKET_INVALID = register_problem(
    "stream_ticket_invalid",
    status=401,
    title="Stream ticket invalid",
    description="The `ticket` is malformed, expired (tickets last about a minute) or for "
    "another poll. Ask for a new one with `POST .../stream-ticket/`.",
    context="polls",
)
