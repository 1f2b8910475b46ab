"""Background work: fan-out is routed to its own queue (which workers consume),
notifications are collapsed, the periodic maintenance trims and rebuilds feeds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import current_app
from django.conf import settings as django_settings
from django.utils import timezone

from core.notifications.models import Notification
from core.tasking.models import TaskOutbox
from social import feed, tasks
from social.services import fanout, relationships
from social.services import posts as post_services
from tests.social import factories as f

pytestmark = pytest.mark.django_db


def test_fan_out_tasks_are_routed_to_the_social_queue_which_workers_consume():
    queues = {queue.name for queue in current_app.conf.task_queues}
    for name in ("social.tasks.feed_fan_out_task", "social.tasks.feed_retract_task"):
        route = current_app.amqp.router.route({}, name, (), {})
        assert route["queue"].name == django_settings.SOCIAL_FANOUT_QUEUE
    assert django_settings.SOCIAL_FANOUT_QUEUE in queues
    assert django_settings.CELERY_TASK_DEFAULT_QUEUE in queues


def test_a_post_writes_its_fan_out_to_the_outbox_after_commit(
    settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    author = f.user("author")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post = post_services.post_create(author=author, content="x")

    row = TaskOutbox.objects.get()
    assert (row.task_name, row.args) == (
        "social.tasks.feed_fan_out_task",
        [post.pk, author.pk, feed.to_ms(post.created_at)],
    )
    assert len(callbacks) == 1


def test_fan_out_skips_cold_feeds_and_is_idempotent():
    author, warm, cold = f.user("author"), f.user("warm"), f.user("cold")
    f.follow(warm, author)
    f.follow(cold, author)
    feed.store(warm.pk, [])  # built (empty); cold's is not
    post = f.post(author)

    written = tasks.feed_fan_out_task(post.pk, author.pk, feed.to_ms(post.created_at))
    again = tasks.feed_fan_out_task(post.pk, author.pk, feed.to_ms(post.created_at))

    assert written == again == 1  # only warm (author's own feed is cold too)
    assert feed.read(warm.pk, before=None, count=10)[0] == [
        feed.Entry(feed.to_ms(post.created_at), post.pk)
    ]
    assert feed.read(cold.pk, before=None, count=10) is None


def test_fan_out_skips_followers_who_muted_the_author():
    author, muter = f.user("author"), f.user("muter")
    f.follow(muter, author)
    relationships.mute_create(user=muter, username="author")
    feed.store(muter.pk, [])
    post = f.post(author)

    tasks.feed_fan_out_task(post.pk, author.pk, feed.to_ms(post.created_at))

    assert feed.read(muter.pk, before=None, count=10) == ([], 0)


def test_feeds_are_capped(settings):
    settings.SOCIAL_FEED_MAX_ITEMS = 3
    author, reader = f.user("author"), f.user("reader")
    f.follow(reader, author)
    feed.store(reader.pk, [])
    posts = [f.post(author) for _ in range(5)]
    for post in posts:
        tasks.feed_fan_out_task(post.pk, author.pk, feed.to_ms(post.created_at))

    entries, size = feed.read(reader.pk, before=None, count=10)

    assert [e.post_id for e in entries] == [p.pk for p in reversed(posts[2:])]
    assert size == 3


def test_a_hundred_likes_make_one_notification(gql, settings, mailoutbox):
    author = f.user("author")
    post = f.post(author)
    fans = [f.user(f"fan{i}") for i in range(5)]
    for fan in fans:
        post_services.post_like(user=fan, post_id=post.pk)
    post_services.post_like(user=author, post_id=post.pk)  # one's own like is not news

    assert tasks.notices_flush_task() == 0  # the window is still open
    sent = fanout.notices_flush(older_than_seconds=0)

    notification = Notification.objects.get(user=author)
    assert sent == 1
    assert notification.kind == "social.like"
    assert notification.title == "fan4 and 4 others: 5 likes"
    assert notification.data == {"post_id": post.pk, "count": 5}


def test_follow_comment_and_share_notify_the_owner(gql):
    author, fan = f.user("author"), f.user("fan")
    post = f.post(author)
    relationships.follow_create(user=fan, username="author")
    post_services.comment_create(user=fan, post_id=post.pk, text="hi")
    post_services.post_share(user=fan, post_id=post.pk)

    fanout.notices_flush(older_than_seconds=0)

    assert sorted(Notification.objects.filter(user=author).values_list("kind", "title")) == [
        ("social.comment", "fan commented on your post"),
        ("social.follow", "fan followed you"),
        ("social.share", "fan shared your post"),
    ]


def test_maintenance_rebuilds_the_cold_feeds_of_returning_users():
    author, returning, away = f.user("author"), f.user("returning"), f.user("away")
    for reader in (returning, away):
        f.follow(reader, author)
    post = f.post(author)
    type(returning).objects.filter(pk=returning.pk).update(last_login=timezone.now())
    type(away).objects.filter(pk=away.pk).update(last_login=timezone.now() - timedelta(days=30))

    result = tasks.feeds_maintain_task()

    assert result["rebuilt"] == 1
    assert feed.read(returning.pk, before=None, count=5)[0][0].post_id == post.pk
    assert feed.read(away.pk, before=None, count=5) is None


def test_the_beat_schedule_has_the_social_entries():
    schedule = current_app.conf.beat_schedule
    assert schedule["social.maintain-feeds"]["task"] == "social.tasks.feeds_maintain_task"
    assert schedule["social.flush-notices"]["task"] == "social.tasks.notices_flush_task"
