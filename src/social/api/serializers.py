"""REST representations: the same fields as the GraphQL types, snake_case."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.http.timestamps import iso_utc
from social import home_feed, selectors


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    content = serializers.CharField(read_only=True)
    media_url = serializers.CharField(read_only=True, allow_null=True)
    author = AuthorSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    like_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    share_count = serializers.IntegerField(read_only=True)
    viewer_has_liked = serializers.SerializerMethodField()

    def to_representation(self, post: Any) -> dict[str, Any]:
        data = super().to_representation(post)
        data["media_url"] = post.media_url or None
        data["comment_count"] = selectors.visible_comment_count(post)
        return data

    def get_viewer_has_liked(self, post: Any) -> bool:
        return post.pk in self.context.get("liked", ())


def post_data(post: Any, *, liked: bool) -> dict[str, Any]:
    """``PostSerializer``'s representation, built as a plain dict (no serializer
    fields per post): the hot lists' path. ``liked``: whether the viewer likes it."""
    return {
        "id": post.pk,
        "content": post.content,
        "media_url": post.media_url or None,
        "author": {"id": post.author.pk, "username": post.author.username},
        "created_at": iso_utc(post.created_at),
        "updated_at": iso_utc(post.updated_at),
        "like_count": post.like_count,
        "comment_count": selectors.visible_comment_count(post),
        "share_count": post.share_count,
        "viewer_has_liked": liked,
    }


class FeedEntrySerializer(serializers.Serializer):
    post = PostSerializer(read_only=True)
    shared_by = AuthorSerializer(
        read_only=True,
        allow_null=True,
        help_text="The newest of those who shared the post into the feed, or null.",
    )
    shared_at = serializers.DateTimeField(read_only=True, allow_null=True)
    shared_by_count = serializers.IntegerField(
        read_only=True,
        help_text="How many of the accounts you follow (and you) shared the post: "
        "`shared_by` is the newest of them; 0 if it came by its author.",
    )
    origin = serializers.ChoiceField(
        choices=home_feed.ORIGINS,
        read_only=True,
        help_text="How the entry reached the feed: `fanned_out`, pushed into it when "
        "posted or shared; `merged_at_read`, from a followed account with at least "
        "SOCIAL_FANOUT_MAX_FOLLOWERS followers, merged in as the feed is read.",
    )


class PostWriteSerializer(serializers.Serializer):
    content = serializers.CharField(
        max_length=5000, trim_whitespace=True, help_text="1 to 5,000 characters."
    )
    media_url = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="An http(s) link, optional."
    )


class PostUpdateSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=5000, help_text="1 to 5,000 characters.")


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    post_id = serializers.IntegerField(read_only=True)
    author = AuthorSerializer(read_only=True)
    text = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class CommentWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, help_text="1 to 2,000 characters.")


class FollowSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    following = serializers.BooleanField(read_only=True)
    follower_count = serializers.IntegerField(read_only=True)
