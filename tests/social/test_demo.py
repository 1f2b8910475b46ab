"""Demo data (the seed_demo hook), seed_social at small scale, and the profile
backfill migration."""

from __future__ import annotations

import io
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command

from core.identity.models import User
from core.site.demo import DEMO_ACCOUNTS, seed_accounts
from social import demo, home_feed
from social.models import Follow, Post, Profile

pytestmark = pytest.mark.django_db


def test_every_demo_account_sees_a_populated_feed_and_reseeding_adds_nothing(
    django_capture_on_commit_callbacks,
):
    seed_accounts()
    with django_capture_on_commit_callbacks(execute=True):
        demo.demo_seed()
    posts, follows = Post.objects.count(), Follow.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        demo.demo_seed()

    assert posts >= 300
    assert (Post.objects.count(), Follow.objects.count()) == (posts, follows)
    from django.contrib.auth import get_user_model

    for account in DEMO_ACCOUNTS:
        user = get_user_model().objects.get(username=account.username)
        page = home_feed.feed_page(viewer_id=user.pk, first=20, after=None)
        assert len(page.items) == 20, account.username
    sample = Post.objects.filter(like_count__gt=0).first()
    assert sample.like_count == sample.likes.count()


def test_the_demo_feeds_show_both_origins_at_make_runs_threshold(
    settings, django_capture_on_commit_callbacks
):
    settings.SOCIAL_FANOUT_MAX_FOLLOWERS = 30  # config/settings/local.py's, for `make run`
    seed_accounts()
    with django_capture_on_commit_callbacks(execute=True):
        demo.demo_seed()
    customer = User.objects.get(username="demo_customer")

    over = Profile.objects.filter(follower_count__gte=30).values_list("user__username", flat=True)
    page = home_feed.feed_page(viewer_id=customer.pk, first=100, after=None)
    merged = {
        (item.shared_by or item.post.author).username
        for item in page.items
        if item.origin == "merged_at_read"
    }

    assert list(over) == [demo.CELEBRITY]
    assert merged == {demo.CELEBRITY}
    assert any(item.origin == "fanned_out" for item in page.items)
    # The demo accounts follow one another: what one posts, the others read.
    assert Follow.objects.filter(follower__username="demo_candidate", followee=customer).exists()


def test_seed_social_creates_users_posts_and_follows_with_progress():
    out = io.StringIO()

    call_command("seed_social", users=30, posts=200, follows=5, stdout=out)

    assert Profile.objects.filter(user__username__startswith="seed_user_").count() == 30
    assert Post.objects.count() == 200
    assert Follow.objects.count() == 30 * 5
    profile = Profile.objects.filter(user__username__startswith="seed_user_").first()
    assert profile.following_count == 5
    assert "follows [" in out.getvalue()
    assert "seed_social: 30 users" in out.getvalue()


def test_the_migration_backfills_missing_profiles():
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("old_account", password="long-and-unusual-42")
    Profile.objects.filter(user=user).delete()
    migration = import_module("social.migrations.0002_backfill_profiles")

    migration.backfill(apps, None)

    assert Profile.objects.filter(user=user).exists()
