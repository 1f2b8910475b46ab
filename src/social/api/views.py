"""The REST mirror of the GraphQL API, for frontends that prefer REST. Thin: the
same selectors and services underneath; writes share the ``social_write`` limit."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from core.http.openapi import CURSOR_PARAMETER, PAGE_SIZE_PARAMETER
from core.http.pagination import StrictPageSize, envelope, envelope_serializer
from core.http.throttling import ScopedUserThrottle
from core.http.timestamps import iso_utc
from core.identity.models import User
from social import home_feed, paging, selectors
from social.api import serializers as s
from social.services import posts, relationships

TAGS = ["social"]
CURSOR = CURSOR_PARAMETER
PAGE_SIZE = PAGE_SIZE_PARAMETER
ERRORS = {
    400: OpenApiResponse(description="Invalid input (problem details naming the field)."),
    401: OpenApiResponse(description="No or an invalid bearer token."),
    403: OpenApiResponse(description="Not yours (only the author, or a moderator)."),
    404: OpenApiResponse(description="No such post or account, or hidden from you."),
    429: OpenApiResponse(description="Too many writes; see `Retry-After`."),
}


def _body(request: Request) -> dict[str, Any]:
    """The JSON object of a write (the services validate its fields); any other JSON
    value is a 400, as a DRF serializer would answer."""
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]}, code="invalid")
    return request.data


FEED_PAGE = envelope_serializer("SocialPaginatedFeedEntryList", s.FeedEntrySerializer(many=True))
POST_PAGE = envelope_serializer("SocialPaginatedPostList", s.PostSerializer(many=True))
COMMENT_PAGE = envelope_serializer("SocialPaginatedCommentList", s.CommentSerializer(many=True))


class SocialView(APIView):
    """Writes count against the per-user ``social_write`` limit."""

    throttle_scope = "social_write"

    def get_throttles(self) -> list[Any]:
        throttles = super().get_throttles()
        if self.request.method not in permissions.SAFE_METHODS:
            throttles.append(ScopedUserThrottle())
        return throttles

    def viewer_id(self) -> int | None:
        user = self.request.user
        return user.pk if user.is_authenticated else None

    def page_size(self) -> int:
        return StrictPageSize().get_page_size(self.request)

    def cursor(self) -> str | None:
        return self.request.query_params.get("cursor") or None

    def link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), "cursor", cursor)

    def page(
        self, results: list[Any], next_cursor: str | None, previous_cursor: str | None
    ) -> Response:
        return Response(
            envelope(
                results,
                next_link=self.link(next_cursor),
                previous_link=self.link(previous_cursor),
            )
        )

    def posts_data(self, posts: list[Any]) -> list[dict[str, Any]]:
        liked: set[int] = set()
        viewer = self.viewer_id()
        if viewer is not None and posts:
            liked = selectors.liked_post_ids(viewer_id=viewer, among=[p.pk for p in posts])
        return [s.post_data(post, liked=post.pk in liked) for post in posts]


def _bad_cursor() -> ValidationError:
    return ValidationError({"cursor": ["Invalid cursor."]}, code="invalid")


class FeedView(SocialView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="social_feed_list",
        summary="Your home feed",
        description="Posts and shares by the accounts you follow, and your own, newest first. "
        "A post appears once; if it is there because someone shared it, `shared_by` and "
        "`shared_at` say who and when. `origin` says how it reached the feed: `fanned_out` "
        "(pushed when written) or `merged_at_read` (from an account too followed to fan "
        "out). Follow `next`, and `previous` back.",
        parameters=[CURSOR, PAGE_SIZE],
        responses={200: FEED_PAGE, 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        size = self.page_size()
        owner_id = home_feed.feed_owner_id(viewer=request.user)
        cursor = self.cursor()
        try:
            back = paging.is_backward("feed", cursor)
            page = home_feed.feed_page(
                viewer_id=owner_id,
                first=size,
                after=None if back else cursor,
                before=cursor if back else None,
            )
        except ValueError:
            raise _bad_cursor() from None
        posts = self.posts_data([item.post for item in page.items])
        results = [
            {
                "post": post,
                "shared_by": (
                    {"id": item.shared_by.pk, "username": item.shared_by.username}
                    if item.shared_by
                    else None
                ),
                "shared_at": iso_utc(item.shared_at),
                "shared_by_count": item.shared_by_count,
                "origin": item.origin,
            }
            for item, post in zip(page.items, posts, strict=True)
        ]
        return self.page(results, page.next_cursor, page.previous_cursor)


class PostListView(SocialView):
    @extend_schema(
        tags=TAGS,
        operation_id="social_posts_list",
        summary="Posts, newest first",
        description="Follow `next`, and `previous` back.",
        parameters=[
            OpenApiParameter("author", str, description="Only this username's posts."),
            CURSOR,
            PAGE_SIZE,
        ],
        responses={
            200: POST_PAGE,
            400: ERRORS[400],
            404: ERRORS[404],
        },
    )
    def get(self, request: Request) -> Response:
        size = self.page_size()
        author_id = None
        author = request.query_params.get("author")
        if author:
            author_id = selectors.user_get(username=author).pk
        queryset = selectors.post_list(viewer_id=self.viewer_id(), author_id=author_id)
        try:
            page = paging.time_page(
                queryset, kind="post", first=size, cursor=self.cursor(), newest_first=True
            )
        except ValueError:
            raise _bad_cursor() from None
        return self.page(self.posts_data(page.rows), page.next_cursor, page.previous_cursor)

    @extend_schema(
        tags=TAGS,
        operation_id="social_posts_create",
        summary="Publish a post",
        request=s.PostWriteSerializer,
        responses={201: s.PostSerializer, **{k: ERRORS[k] for k in (400, 401, 429)}},
    )
    def post(self, request: Request) -> Response:
        post = posts.post_create(
            author=request.user,
            content=_body(request).get("content"),
            media_url=_body(request).get("media_url"),
        )
        return Response(self.posts_data([post])[0], status=status.HTTP_201_CREATED)


class PostDetailView(SocialView):
    @extend_schema(
        tags=TAGS,
        operation_id="social_post_retrieve",
        summary="One post",
        responses={200: s.PostSerializer, 404: ERRORS[404]},
    )
    def get(self, request: Request, pk: int) -> Response:
        post = selectors.post_get(post_id=pk, viewer_id=self.viewer_id())
        return Response(self.posts_data([post])[0])

    @extend_schema(
        tags=TAGS,
        operation_id="social_post_update",
        summary="Edit a post (its author)",
        request=s.PostUpdateSerializer,
        responses={200: s.PostSerializer, **{k: ERRORS[k] for k in (400, 401, 403, 404, 429)}},
    )
    def patch(self, request: Request, pk: int) -> Response:
        post = posts.post_update(
            user=request.user, post_id=pk, content=_body(request).get("content")
        )
        return Response(self.posts_data([post])[0])

    @extend_schema(
        tags=TAGS,
        operation_id="social_post_delete",
        summary="Delete a post (its author or a moderator)",
        responses={204: None, **{k: ERRORS[k] for k in (401, 403, 404, 429)}},
    )
    def delete(self, request: Request, pk: int) -> Response:
        posts.post_delete(user=request.user, post_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostLikeView(SocialView):
    @extend_schema(
        tags=TAGS,
        operation_id="social_post_like",
        summary="Like a post (idempotent)",
        request=None,
        responses={200: s.PostSerializer, **{k: ERRORS[k] for k in (401, 404, 429)}},
    )
    def post(self, request: Request, pk: int) -> Response:
        post = posts.post_like(user=request.user, post_id=pk)
        return Response(self.posts_data([post])[0])

    @extend_schema(
        tags=TAGS,
        operation_id="social_post_unlike",
        summary="Unlike a post (idempotent)",
        responses={200: s.PostSerializer, **{k: ERRORS[k] for k in (401, 404, 429)}},
    )
    def delete(self, request: Request, pk: int) -> Response:
        post = posts.post_unlike(user=request.user, post_id=pk)
        return Response(self.posts_data([post])[0])


class PostCommentsView(SocialView):
    @extend_schema(
        tags=TAGS,
        operation_id="social_post_comments_list",
        summary="A post's comments, oldest first",
        description="Follow `next`, and `previous` back.",
        parameters=[CURSOR, PAGE_SIZE],
        responses={200: COMMENT_PAGE, 404: ERRORS[404]},
    )
    def get(self, request: Request, pk: int) -> Response:
        post = selectors.post_get(post_id=pk, viewer_id=self.viewer_id())
        try:
            page = paging.time_page(
                selectors.comment_list(post_id=post.pk, viewer_id=self.viewer_id()),
                kind="comment",
                first=self.page_size(),
                cursor=self.cursor(),
                newest_first=False,
            )
        except ValueError:
            raise _bad_cursor() from None
        comments = s.CommentSerializer(page.rows, many=True).data
        return self.page(comments, page.next_cursor, page.previous_cursor)

    @extend_schema(
        tags=TAGS,
        operation_id="social_post_comments_create",
        summary="Comment on a post",
        request=s.CommentWriteSerializer,
        responses={201: s.CommentSerializer, **{k: ERRORS[k] for k in (400, 401, 404, 429)}},
    )
    def post(self, request: Request, pk: int) -> Response:
        comment = posts.comment_create(
            user=request.user, post_id=pk, text=_body(request).get("text")
        )
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class FollowView(SocialView):
    def _answer(self, other: User) -> Response:
        profile = selectors.profile_get(user_id=other.pk)
        following = bool(selectors.followed_ids(viewer_id=self.request.user.pk, among=[other.pk]))
        return Response(
            {
                "username": other.username,
                "following": following,
                "follower_count": profile.follower_count,
            }
        )

    @extend_schema(
        tags=TAGS,
        operation_id="social_user_follow",
        summary="Follow an account (idempotent)",
        request=None,
        responses={200: s.FollowSerializer, **{k: ERRORS[k] for k in (400, 401, 403, 404, 429)}},
    )
    def post(self, request: Request, username: str) -> Response:
        return self._answer(relationships.follow_create(user=request.user, username=username))

    @extend_schema(
        tags=TAGS,
        operation_id="social_user_unfollow",
        summary="Stop following an account (idempotent)",
        responses={200: s.FollowSerializer, **{k: ERRORS[k] for k in (400, 401, 404, 429)}},
    )
    def delete(self, request: Request, username: str) -> Response:
        return self._answer(relationships.follow_delete(user=request.user, username=username))
