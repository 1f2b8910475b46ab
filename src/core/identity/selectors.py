"""Identity reads."""

from __future__ import annotations

from django.db.models import prefetch_related_objects

from core.identity.models import User


def user_with_roles(*, user: User) -> User:
    """The roles of a user already in hand (e.g. ``request.user``) loaded: none when
    they are known (the token's user brings them from its cache), else one query."""
    if "_nexus_role_names" not in user.__dict__:
        prefetch_related_objects([user], "groups")
    return user
