"""Identity reads."""

from __future__ import annotations

from django.db.models import prefetch_related_objects

from core.identity.models import User


def user_with_roles(*, user: User) -> User:
    """Load the roles of a user already in hand (e.g. ``request.user``): one query."""
    prefetch_related_objects([user], "groups")
    return user
