"""Per-request batch loaders (``<X>By<Y>Loader``), kept on ``info.context``.

graphql-core executes synchronously here, so instead of promises each loader batches
over every key the request has *seen*: list resolvers register the posts and users
they return (``seen_posts``/``seen_users``), and the first ``load(key)`` of a loader
fetches that key together with every seen key not loaded yet, in one query. A feed
page therefore costs the same few queries whatever its size, and nested connections
(``Post.comments``, ``User.posts``) one query per nesting level and arguments.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, ClassVar

from social import selectors


class _Seen:
    def __init__(self) -> None:
        self.posts: set[int] = set()
        self.users: set[int] = set()


def seen(context: Any) -> _Seen:
    state = getattr(context, "_social_seen", None)
    if state is None:
        state = _Seen()
        context._social_seen = state
    return state


def see_posts(context: Any, posts: Iterable[Any]) -> None:
    state = seen(context)
    for post in posts:
        state.posts.add(post.pk)
        state.users.add(post.author_id)


def see_users(context: Any, user_ids: Iterable[int]) -> None:
    seen(context).users.update(user_ids)


class Loader:
    """Loads values for keys of one kind; ``batch`` answers many keys at once."""

    domain: ClassVar[str] = "users"  # which seen set to batch with
    default: Any = None

    def __init__(self, context: Any, args: Hashable = ()) -> None:
        self.context = context
        self.args = args
        self.cache: dict[int, Any] = {}

    @classmethod
    def for_context(cls, context: Any, args: Hashable = ()) -> Loader:
        loaders = getattr(context, "_social_loaders", None)
        if loaders is None:
            loaders = context._social_loaders = {}
        key = (cls, args)
        if key not in loaders:
            loaders[key] = cls(context, args)
        return loaders[key]  # type: ignore[no-any-return]  # the cache holds cls instances

    def load(self, key: int) -> Any:
        if key not in self.cache:
            pending = getattr(seen(self.context), self.domain) | {key}
            keys = [k for k in pending if k not in self.cache]
            found = self.batch(keys)
            for k in keys:
                self.cache[k] = found.get(k, self.default)
        return self.cache[key]

    def batch(self, keys: list[int]) -> dict[int, Any]:
        raise NotImplementedError

    @property
    def viewer_id(self) -> int | None:
        user = getattr(self.context, "user", None)
        return user.pk if user is not None and user.is_authenticated else None


class ProfileByUserIdLoader(Loader):
    def batch(self, keys: list[int]) -> dict[int, Any]:
        return selectors.profiles_by_user_id(keys)


class ViewerFollowsByUserIdLoader(Loader):
    default = False

    def batch(self, keys: list[int]) -> dict[int, Any]:
        if self.viewer_id is None:
            return {}
        return dict.fromkeys(selectors.followed_ids(viewer_id=self.viewer_id, among=keys), True)


class ViewerLikedByPostIdLoader(Loader):
    domain = "posts"
    default = False

    def batch(self, keys: list[int]) -> dict[int, Any]:
        if self.viewer_id is None:
            return {}
        return dict.fromkeys(selectors.liked_post_ids(viewer_id=self.viewer_id, among=keys), True)


class CommentsByPostIdLoader(Loader):
    """``Post.comments(first, after)``: args are ``(first, after)``."""

    domain = "posts"
    default = ([], False)

    def batch(self, keys: list[int]) -> dict[int, Any]:
        first, after = self.args  # type: ignore[misc]  # built with a (first, after) pair
        pages = selectors.comments_for_posts(
            post_ids=keys, viewer_id=self.viewer_id, first=first, after=after
        )
        see_users(self.context, (c.author_id for page, _ in pages.values() for c in page))
        return pages


class PostsByAuthorIdLoader(Loader):
    """``User.posts(first, after)``: args are ``(first, after)``."""

    default = ([], False)

    def batch(self, keys: list[int]) -> dict[int, Any]:
        first, after = self.args  # type: ignore[misc]  # built with a (first, after) pair
        pages = selectors.posts_for_authors(
            author_ids=keys, viewer_id=self.viewer_id, first=first, after=after
        )
        see_posts(self.context, (post for page, _ in pages.values() for post in page))
        return pages


class ViewerBlocksByUserIdLoader(Loader):
    default = False

    def batch(self, keys: list[int]) -> dict[int, Any]:
        if self.viewer_id is None:
            return {}
        return dict.fromkeys(selectors.blocked_ids(viewer_id=self.viewer_id, among=keys), True)


class ViewerMutesByUserIdLoader(Loader):
    default = False

    def batch(self, keys: list[int]) -> dict[int, Any]:
        if self.viewer_id is None:
            return {}
        return dict.fromkeys(selectors.muted_ids(viewer_id=self.viewer_id, among=keys), True)


class PostCountByUserIdLoader(Loader):
    default = 0

    def batch(self, keys: list[int]) -> dict[int, Any]:
        return selectors.post_counts(author_ids=keys, viewer_id=self.viewer_id)
