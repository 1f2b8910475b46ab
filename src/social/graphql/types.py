"""GraphQL types of the social graph. Every type, field and argument is described.

``User`` extends core's type (the same GraphQL name and fields, plus the social
ones), so ``me`` and every author are one ``User`` type."""

from __future__ import annotations

from typing import Any

import graphene
from django.conf import settings
from graphene import relay

from core.http.graphql import DateTime
from core.identity.graphql import UserType as CoreUserType
from core.identity.models import User
from social import home_feed, paging, selectors
from social.graphql import errors
from social.graphql.dataloaders import (
    CommentsByPostIdLoader,
    PostCountByUserIdLoader,
    PostsByAuthorIdLoader,
    ProfileByUserIdLoader,
    ViewerBlocksByUserIdLoader,
    ViewerFollowsByUserIdLoader,
    ViewerLikedByPostIdLoader,
    ViewerMutesByUserIdLoader,
)


def page_size(first: int | None, field: str = "first") -> int:
    """``first`` within 1..GRAPHQL_MAX_PAGE_SIZE (default 20), else BAD_USER_INPUT."""
    limit = settings.GRAPHENE["RELAY_CONNECTION_MAX_LIMIT"]
    if first is None:
        return min(selectors.DEFAULT_PAGE_SIZE, limit)
    if first < 1 or first > limit:
        raise errors.bad_input(field, f"`{field}` must be between 1 and {limit}.")
    return first


def cursor_guard(call: Any) -> Any:
    try:
        return call()
    except ValueError:
        raise errors.bad_input("after", "Invalid cursor.") from None


def first_arg() -> graphene.Int:
    return graphene.Int(
        description="Page size: 1 to the server's page-size cap (100 by default); default 20."
    )


def after_arg() -> graphene.String:
    return graphene.String(
        description="Opaque cursor: return items after this one (`pageInfo.endCursor`)."
    )


class UserType(CoreUserType):
    """A Nexus account with its public social profile."""

    bio = graphene.String(required=True, description="Short self-description; may be empty.")
    profile_picture = graphene.String(
        required=True, description="URL of the profile picture (http or https); may be empty."
    )
    follower_count = graphene.Int(required=True, description="How many accounts follow this one.")
    following_count = graphene.Int(required=True, description="How many accounts this one follows.")
    post_count = graphene.Int(
        required=True,
        description="How many posts this account has that the viewer may see (exact; none "
        "across a block).",
    )
    viewer_follows = graphene.Boolean(
        required=True, description="Whether the signed-in viewer follows this account."
    )
    viewer_blocks = graphene.Boolean(
        required=True, description="Whether the signed-in viewer blocks this account."
    )
    viewer_mutes = graphene.Boolean(
        required=True, description="Whether the signed-in viewer mutes this account."
    )
    posts = graphene.Field(
        lambda: PostConnection,
        required=True,
        first=first_arg(),
        after=after_arg(),
        description="This account's posts, newest first.",
    )

    class Meta:
        model = User
        name = "User"
        description = (
            "A Nexus account, the identity shared by every context, with its social profile."
        )
        fields = ("id", "username", "first_name", "last_name", "date_joined", "is_staff")

    @staticmethod
    def _profile(user: User, info: graphene.ResolveInfo) -> Any:
        return ProfileByUserIdLoader.for_context(info.context).load(user.pk)

    @staticmethod
    def resolve_bio(user: User, info: graphene.ResolveInfo) -> str:
        return UserType._profile(user, info).bio

    @staticmethod
    def resolve_profile_picture(user: User, info: graphene.ResolveInfo) -> str:
        return UserType._profile(user, info).profile_picture

    @staticmethod
    def resolve_follower_count(user: User, info: graphene.ResolveInfo) -> int:
        return UserType._profile(user, info).follower_count

    @staticmethod
    def resolve_following_count(user: User, info: graphene.ResolveInfo) -> int:
        return UserType._profile(user, info).following_count

    @staticmethod
    def resolve_post_count(user: User, info: graphene.ResolveInfo) -> int:
        return int(PostCountByUserIdLoader.for_context(info.context).load(user.pk))

    @staticmethod
    def resolve_viewer_follows(user: User, info: graphene.ResolveInfo) -> bool:
        return bool(ViewerFollowsByUserIdLoader.for_context(info.context).load(user.pk))

    @staticmethod
    def resolve_viewer_blocks(user: User, info: graphene.ResolveInfo) -> bool:
        return bool(ViewerBlocksByUserIdLoader.for_context(info.context).load(user.pk))

    @staticmethod
    def resolve_viewer_mutes(user: User, info: graphene.ResolveInfo) -> bool:
        return bool(ViewerMutesByUserIdLoader.for_context(info.context).load(user.pk))

    @staticmethod
    def resolve_posts(
        user: User, info: graphene.ResolveInfo, first: int | None = None, after: str | None = None
    ) -> Any:
        size = page_size(first)
        cursor_guard(lambda: paging.time_cursor_decode("post", after))
        loader = PostsByAuthorIdLoader.for_context(info.context, (size, after))
        posts, has_next = loader.load(user.pk)
        return post_connection(posts, has_next)


class PostType(graphene.ObjectType):
    """A post: text up to 5,000 characters and an optional media link."""

    id = graphene.ID(required=True, description="The post's id (the same as in REST).")
    content = graphene.String(required=True, description="The text, up to 5,000 characters.")
    media_url = graphene.String(
        description="An http(s) link to an image or video, or null.",
    )
    author = graphene.Field(UserType, required=True, description="Who wrote it.")
    created_at = DateTime(required=True, description="When it was posted.")
    updated_at = DateTime(required=True, description="When it was last edited.")
    like_count = graphene.Int(required=True, description="How many accounts like it (exact).")
    comment_count = graphene.Int(
        required=True, description="How many of its comments the viewer may read (exact)."
    )
    share_count = graphene.Int(required=True, description="How many times it was shared (exact).")
    viewer_has_liked = graphene.Boolean(
        required=True, description="Whether the signed-in viewer likes it (false if anonymous)."
    )
    comments = graphene.Field(
        lambda: CommentConnection,
        required=True,
        first=first_arg(),
        after=after_arg(),
        description="Its comments, oldest first.",
    )

    class Meta:
        name = "Post"
        description = "A post: text up to 5,000 characters and an optional media link."

    @staticmethod
    def resolve_media_url(post: Any, info: graphene.ResolveInfo) -> str | None:
        return post.media_url or None

    @staticmethod
    def resolve_comment_count(post: Any, info: graphene.ResolveInfo) -> int:
        return selectors.visible_comment_count(post)

    @staticmethod
    def resolve_viewer_has_liked(post: Any, info: graphene.ResolveInfo) -> bool:
        return bool(ViewerLikedByPostIdLoader.for_context(info.context).load(post.pk))

    @staticmethod
    def resolve_comments(
        post: Any, info: graphene.ResolveInfo, first: int | None = None, after: str | None = None
    ) -> Any:
        size = page_size(first)
        cursor_guard(lambda: paging.time_cursor_decode("comment", after))
        comments, has_next = CommentsByPostIdLoader.for_context(info.context, (size, after)).load(
            post.pk
        )
        return comment_connection(comments, has_next)


class CommentType(graphene.ObjectType):
    """A comment on a post."""

    id = graphene.ID(required=True, description="The comment's id.")
    text = graphene.String(required=True, description="The text, up to 2,000 characters.")
    author = graphene.Field(UserType, required=True, description="Who wrote it.")
    post_id = graphene.ID(required=True, description="The id of the post it belongs to.")
    created_at = DateTime(required=True, description="When it was written.")

    class Meta:
        name = "Comment"
        description = "A comment on a post."


class ShareType(graphene.ObjectType):
    """A repost of a post by another account, optionally with a comment."""

    id = graphene.ID(required=True, description="The share's id.")
    user = graphene.Field(UserType, required=True, description="Who shared the post.")
    post = graphene.Field(PostType, required=True, description="The post shared.")
    comment = graphene.String(required=True, description="What the sharer added; may be empty.")
    created_at = DateTime(required=True, description="When it was shared.")

    class Meta:
        name = "Share"
        description = "A repost of a post by another account, optionally with a comment."


class PostConnection(relay.Connection):
    class Meta:
        node = PostType
        description = "A page of posts with opaque cursors."

    class Edge:
        description = "A post and its cursor."


class CommentConnection(relay.Connection):
    class Meta:
        node = CommentType
        description = "A page of comments with opaque cursors."

    class Edge:
        description = "A comment and its cursor."


class UserConnection(relay.Connection):
    class Meta:
        node = UserType
        description = "A page of accounts with opaque cursors."

    class Edge:
        description = "An account and its cursor."


class FeedOrigin(graphene.Enum):
    """How an entry reached the home feed: the hybrid fan-out's two halves."""

    FANNED_OUT = home_feed.FANNED_OUT
    MERGED_AT_READ = home_feed.MERGED_AT_READ

    @property
    def description(self) -> str:
        if self.value == home_feed.MERGED_AT_READ:
            return (
                "Posted or shared by a followed account with at least "
                "SOCIAL_FANOUT_MAX_FOLLOWERS followers (a celebrity): never pushed into "
                "followers' feeds, merged in as the feed is read."
            )
        return (
            "Pushed into the feed when it was posted or shared (by the viewer, or an "
            "account below the fan-out threshold); read from the feed store, or recomputed "
            "from the tables as the fan-out writes it when that is cold or absent."
        )


class FeedConnection(relay.Connection):
    class Meta:
        node = PostType
        description = (
            "The home feed, newest first. A post appears once; when it is there because "
            "someone the viewer follows shared it, its edge says who and when."
        )

    class Edge:
        description = "A feed entry: the post, and the share that brought it, if any."
        shared_by = graphene.Field(
            UserType, description="Who shared the post into the feed (the newest share), or null."
        )
        shared_at = DateTime(description="When it was shared, or null.")
        shared_by_count = graphene.Int(
            required=True,
            description="How many of the accounts the viewer follows (and the viewer) "
            "shared the post: `sharedBy` is the newest of them; 0 if it came by its author.",
        )
        origin = graphene.Field(
            FeedOrigin,
            required=True,
            description="How the entry reached the feed: fanned out when written, or merged "
            "at read time from a much-followed account.",
        )


def _page_info(cursors: list[str], has_next: bool, has_previous: bool = False) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def post_connection(posts: list[Any], has_next: bool) -> PostConnection:
    cursors = [paging.time_cursor("post", p.created_at, p.pk) for p in posts]
    edges = [PostConnection.Edge(node=p, cursor=c) for p, c in zip(posts, cursors, strict=True)]
    return PostConnection(edges=edges, page_info=_page_info(cursors, has_next))


def comment_connection(comments: list[Any], has_next: bool) -> CommentConnection:
    cursors = [paging.time_cursor("comment", c.created_at, c.pk) for c in comments]
    edges = [
        CommentConnection.Edge(node=c, cursor=cur) for c, cur in zip(comments, cursors, strict=True)
    ]
    return CommentConnection(edges=edges, page_info=_page_info(cursors, has_next))


def user_connection(users: list[Any], has_next: bool) -> UserConnection:
    cursors = [paging.cursor_encode("user", u.username, u.pk) for u in users]
    edges = [UserConnection.Edge(node=u, cursor=c) for u, c in zip(users, cursors, strict=True)]
    return UserConnection(edges=edges, page_info=_page_info(cursors, has_next))


def feed_connection(page: home_feed.FeedPage) -> dict[str, Any]:
    """The feed page as ``FeedConnection`` reads it: plain dicts (graphene's default
    resolvers read keys as they read attributes), not an object built per edge."""
    cursors = [item.cursor for item in page.items]
    edges = [
        {
            "node": item.post,
            "cursor": cursor,
            "shared_by": item.shared_by,
            "shared_at": item.shared_at,
            "shared_by_count": item.shared_by_count,
            "origin": item.origin,
        }
        for item, cursor in zip(page.items, cursors, strict=True)
    ]
    page_info = {
        "has_next_page": page.has_next,
        "has_previous_page": False,
        "start_cursor": cursors[0] if cursors else None,
        "end_cursor": cursors[-1] if cursors else None,
    }
    return {"edges": edges, "page_info": page_info}
