"""Counts stay exact when many users like, unlike and comment at once (real
PostgreSQL transactions, one connection per thread)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from social.models import Like, Post
from social.services import posts
from tests.social import factories as f

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12


def _race(work) -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_concurrent_likes_are_counted_exactly(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    author = f.user("popular")
    post = f.post(author)
    fans = [f.user(f"fan{i}") for i in range(THREADS)]

    def like_twice(index: int) -> None:
        posts.post_like(user=fans[index], post_id=post.pk)
        posts.post_like(user=fans[index], post_id=post.pk)  # a retried request

    assert _race(like_twice) == []
    post.refresh_from_db()
    assert post.like_count == Like.objects.filter(post=post).count() == THREADS


def test_concurrent_likes_and_unlikes_of_one_user_stay_consistent():
    author = f.user("author")
    post = f.post(author)
    fan = f.user("fan")

    def toggle(index: int) -> None:
        if index % 2:
            posts.post_like(user=fan, post_id=post.pk)
        else:
            posts.post_unlike(user=fan, post_id=post.pk)

    assert _race(toggle) == []
    post.refresh_from_db()
    assert post.like_count == Like.objects.filter(post=post).count()
    assert post.like_count in (0, 1)


def test_concurrent_comments_are_counted_exactly():
    author = f.user("author")
    post = f.post(author)
    writers = [f.user(f"w{i}") for i in range(THREADS)]

    assert _race(lambda i: posts.comment_create(user=writers[i], post_id=post.pk, text="hi")) == []
    assert Post.objects.get(pk=post.pk).comment_count == THREADS
