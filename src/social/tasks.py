"""Social background work. Each task loads by id and calls a service; running one
twice is harmless (a feed keeps a post once, at its newest score: ``ZADD ... GT`` of
the same member and score changes nothing), and a repeated outbox delivery is skipped
anyway (``NexusTask``'s receipt)."""

from __future__ import annotations

from celery import shared_task

from core.tasking.outbox import NexusTask
from social.feed import Unavailable
from social.services import fanout


@shared_task(
    name="social.tasks.feed_fan_out_task",
    base=NexusTask,
    # Redis down while fanning out: retried (backoff up to NexusTask.max_retries) until
    # the post is in the feeds or they are dropped for a rebuild (social.feed.push).
    autoretry_for=(*NexusTask.autoretry_for, Unavailable),
)
def feed_fan_out_task(post_id: int, source_id: int, score: int) -> int:
    """Push a new post or share into followers' feeds (queue: SOCIAL_FANOUT_QUEUE)."""
    return fanout.feed_fan_out(post_id=post_id, source_id=source_id, score=score)


@shared_task(name="social.tasks.feed_retract_task", base=NexusTask)
def feed_retract_task(post_id: int, source_ids: list[int]) -> None:
    """Take a deleted post out of the feeds it was pushed to (queue: SOCIAL_FANOUT_QUEUE)."""
    fanout.feed_retract(post_id=post_id, source_ids=source_ids)


@shared_task(name="social.tasks.feeds_maintain_task", base=NexusTask)
def feeds_maintain_task() -> dict[str, int]:
    """Beat: cap every feed, rebuild the cold feeds of users who came back."""
    from social import feed

    return {
        "trimmed": feed.trim_all(),
        "rebuilt": fanout.feeds_rebuild_returning(),
    }


@shared_task(name="social.tasks.notices_flush_task", base=NexusTask)
def notices_flush_task() -> int:
    """Beat: one notification per collapsed batch of likes, comments, shares, follows."""
    return fanout.notices_flush()
