"""Social's part of the root schema: ``SocialQueries`` and ``SocialMutations``,
mixed into ``config.schema``."""

from __future__ import annotations

from typing import Any

import graphene

from core.http.catalogue import ProblemError
from social import home_feed, paging, selectors
from social.graphql import errors
from social.graphql.dataloaders import see_posts, see_users
from social.graphql.mutations.comment_create import CommentCreate
from social.graphql.mutations.comment_delete import CommentDelete
from social.graphql.mutations.post_create import PostCreate
from social.graphql.mutations.post_delete import PostDelete
from social.graphql.mutations.post_like import PostLike, PostUnlike
from social.graphql.mutations.post_share import PostShare
from social.graphql.mutations.post_update import PostUpdate
from social.graphql.mutations.profile_update import ProfileUpdate
from social.graphql.mutations.user_create import UserCreate
from social.graphql.mutations.user_relations import (
    UserBlock,
    UserFollow,
    UserMute,
    UserUnblock,
    UserUnfollow,
    UserUnmute,
)
from social.graphql.types import (
    CommentConnection,
    FeedConnection,
    PostConnection,
    PostType,
    UserConnection,
    UserType,
    after_arg,
    comment_connection,
    cursor_guard,
    feed_connection,
    first_arg,
    page_size,
    post_connection,
    user_connection,
)


def _viewer_id(info: graphene.ResolveInfo) -> int | None:
    user = info.context.user
    return user.pk if user.is_authenticated else None


def _id(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise errors.bad_input(field, f"`{field}` must be a numeric id.") from None
    if not 1 <= number <= 2**63 - 1:
        raise errors.bad_input(field, f"`{field}` is out of range.")
    return number


class SocialQueries(graphene.ObjectType):
    me = graphene.Field(
        UserType,
        description="The authenticated user (send `Authorization: Bearer <access>`), "
        "or null for anonymous requests.",
    )
    user = graphene.Field(
        UserType,
        username=graphene.String(required=True, description="The account's handle (any case)."),
        description="One account by username, or null if there is none.",
    )
    users = graphene.Field(
        UserConnection,
        required=True,
        search=graphene.String(description="Part of a username or name to look for."),
        first=first_arg(),
        after=after_arg(),
        description="Accounts by username, optionally filtered by `search`.",
    )
    post = graphene.Field(
        PostType,
        id=graphene.ID(required=True, description="The post's id."),
        description="One post, or null if it does not exist or is hidden from the viewer.",
    )
    posts = graphene.Field(
        PostConnection,
        required=True,
        author_username=graphene.String(description="Only this account's posts."),
        first=first_arg(),
        after=after_arg(),
        description="Posts, newest first; all of them or one author's.",
    )
    feed = graphene.Field(
        FeedConnection,
        required=True,
        first=first_arg(),
        after=after_arg(),
        user_id=graphene.ID(
            description="Whose feed: only the viewer's own id, unless the viewer is a "
            "moderator (otherwise FORBIDDEN). Defaults to the viewer."
        ),
        description="The viewer's home feed: posts and shares by the accounts they follow, "
        "and their own, newest first. Requires authentication.",
    )
    comments = graphene.Field(
        CommentConnection,
        required=True,
        post_id=graphene.ID(required=True, description="The post whose comments to list."),
        first=first_arg(),
        after=after_arg(),
        description="A post's comments, oldest first.",
    )
    who_to_follow = graphene.List(
        graphene.NonNull(UserType),
        required=True,
        first=graphene.Int(description="How many accounts (1 to 100, default 20)."),
        description="Accounts to suggest to the viewer: none they follow, mute or block "
        "(either way); the most followed by the accounts they follow first, then the most "
        "followed overall. Requires authentication.",
    )
    trending = graphene.List(
        graphene.NonNull(PostType),
        required=True,
        first=graphene.Int(description="How many posts (1 to 100, default 20)."),
        description="Posts with the most likes, comments and shares in the last 24 hours "
        "(recomputed about every minute).",
    )

    @staticmethod
    def resolve_me(root: Any, info: graphene.ResolveInfo) -> Any:
        from core.identity import selectors as core_selectors

        user = info.context.user
        if not user.is_authenticated:
            return None
        see_users(info.context, [user.pk])
        return core_selectors.user_with_roles(user=user)

    @staticmethod
    def resolve_user(root: Any, info: graphene.ResolveInfo, username: str) -> Any:
        try:
            user = selectors.user_get(username=username)
        except ProblemError:
            return None
        see_users(info.context, [user.pk])
        return user

    @staticmethod
    def resolve_users(
        root: Any,
        info: graphene.ResolveInfo,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        size = page_size(first)
        position = cursor_guard(lambda: paging.user_cursor_decode(after))
        users, has_next = selectors.user_page(search=search, first=size, after=position)
        see_users(info.context, [u.pk for u in users])
        return user_connection(users, has_next)

    @staticmethod
    def resolve_post(root: Any, info: graphene.ResolveInfo, id: str) -> Any:
        try:
            post = selectors.post_get(post_id=_id(id, "id"), viewer_id=_viewer_id(info))
        except ProblemError:
            return None
        see_posts(info.context, [post])
        return post

    @staticmethod
    def resolve_posts(
        root: Any,
        info: graphene.ResolveInfo,
        author_username: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        size = page_size(first)
        author_id = None
        if author_username is not None:
            try:
                author_id = selectors.user_get(username=author_username).pk
            except ProblemError:
                return post_connection([], False)
        queryset = selectors.post_list(viewer_id=_viewer_id(info), author_id=author_id)
        posts, has_next = cursor_guard(
            lambda: paging.page_newest_first(queryset, kind="post", first=size, after=after)
        )
        see_posts(info.context, posts)
        return post_connection(posts, has_next)

    @staticmethod
    def resolve_feed(
        root: Any,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        user_id: str | None = None,
    ) -> Any:
        viewer = info.context.user
        if not viewer.is_authenticated:  # signed in first (REST: its permission class)
            raise errors.unauthenticated()
        requested = None if user_id is None else _id(user_id, "userId")
        owner_id = errors.guarded(
            lambda: home_feed.feed_owner_id(viewer=viewer, owner_id=requested)
        )
        size = page_size(first)
        page = cursor_guard(
            lambda: home_feed.feed_page(viewer_id=owner_id, first=size, after=after)
        )
        see_posts(info.context, [item.post for item in page.items])
        see_users(info.context, [item.shared_by.pk for item in page.items if item.shared_by])
        return feed_connection(page)

    @staticmethod
    def resolve_comments(
        root: Any,
        info: graphene.ResolveInfo,
        post_id: str,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        size = page_size(first)
        try:
            post = selectors.post_get(post_id=_id(post_id, "postId"), viewer_id=_viewer_id(info))
        except ProblemError:
            raise errors.error("Post not found.", errors.NOT_FOUND) from None
        queryset = selectors.comment_list(post_id=post.pk, viewer_id=_viewer_id(info))
        comments, has_next = cursor_guard(
            lambda: paging.page_oldest_first(queryset, kind="comment", first=size, after=after)
        )
        see_users(info.context, [c.author_id for c in comments])
        return comment_connection(comments, has_next)

    @staticmethod
    def resolve_who_to_follow(
        root: Any, info: graphene.ResolveInfo, first: int | None = None
    ) -> Any:
        viewer = info.context.user
        if not viewer.is_authenticated:
            raise errors.unauthenticated()
        users = selectors.who_to_follow(viewer_id=viewer.pk, first=page_size(first))
        see_users(info.context, [user.pk for user in users])
        return users

    @staticmethod
    def resolve_trending(root: Any, info: graphene.ResolveInfo, first: int | None = None) -> Any:
        size = page_size(first)
        posts = selectors.trending_post_list(viewer_id=_viewer_id(info), first=size)
        see_posts(info.context, posts)
        return posts


class SocialMutations(graphene.ObjectType):
    create_user = UserCreate.Field(description=UserCreate._meta.description)
    update_profile = ProfileUpdate.Field(description=ProfileUpdate._meta.description)
    create_post = PostCreate.Field(description=PostCreate._meta.description)
    update_post = PostUpdate.Field(description=PostUpdate._meta.description)
    delete_post = PostDelete.Field(description=PostDelete._meta.description)
    like_post = PostLike.Field(description=PostLike._meta.description)
    unlike_post = PostUnlike.Field(description=PostUnlike._meta.description)
    share_post = PostShare.Field(description=PostShare._meta.description)
    create_comment = CommentCreate.Field(description=CommentCreate._meta.description)
    delete_comment = CommentDelete.Field(description=CommentDelete._meta.description)
    follow_user = UserFollow.Field(description=UserFollow._meta.description)
    unfollow_user = UserUnfollow.Field(description=UserUnfollow._meta.description)
    block_user = UserBlock.Field(description=UserBlock._meta.description)
    unblock_user = UserUnblock.Field(description=UserUnblock._meta.description)
    mute_user = UserMute.Field(description=UserMute._meta.description)
    unmute_user = UserUnmute.Field(description=UserUnmute._meta.description)
