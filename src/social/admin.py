"""Moderation in the admin: posts and comments can be searched and deleted (through
the services, so counts and feeds stay right)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from core.identity import roles
from social.models import Comment, Follow, Post, Profile
from social.services import posts


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    # Deleting is moderation: moderators (and superusers) only, as in the API.
    list_display = ("id", "author", "created_at", "like_count", "comment_count", "share_count")
    search_fields = ("content", "author__username")
    list_select_related = ("author",)
    raw_id_fields = ("author",)
    readonly_fields = ("like_count", "comment_count", "share_count", "created_at", "updated_at")
    ordering = ("-created_at",)
    show_full_result_count = False

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return roles.is_moderator(request.user) and super().has_delete_permission(request, obj)

    def delete_model(self, request: Any, obj: Post) -> None:
        posts.post_delete(user=request.user, post_id=obj.pk)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for post_id in queryset.values_list("pk", flat=True):
            posts.post_delete(user=request.user, post_id=post_id)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    # Deleting is moderation: moderators (and superusers) only, as in the API.
    list_display = ("id", "post_id", "author", "created_at")
    search_fields = ("text", "author__username")
    raw_id_fields = ("post", "author")
    show_full_result_count = False

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return roles.is_moderator(request.user) and super().has_delete_permission(request, obj)

    def delete_model(self, request: Any, obj: Comment) -> None:
        posts.comment_delete(user=request.user, comment_id=obj.pk)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for comment_id in queryset.values_list("pk", flat=True):
            posts.comment_delete(user=request.user, comment_id=comment_id)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "follower_count", "following_count")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
    readonly_fields = ("follower_count", "following_count")


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("follower", "followee", "created_at")
    raw_id_fields = ("follower", "followee")
    search_fields = ("follower__username", "followee__username")
