"""Identity's part of the root GraphQL schema (composed in ``config.schema``): the
``User`` type and the ``me`` query.

Who holds which role is private: ``isStaff`` and ``roles`` are shown to the account
itself and to staff, and are null for anyone else (anonymous, other users, moderators),
wherever a ``User`` appears (``me``, ``user``, ``users``, every author), so nobody can
list the site's staff and moderators."""

from __future__ import annotations

from typing import Any

import graphene
from graphene_django import DjangoObjectType

from core.http.graphql import DateTime
from core.identity import roles, selectors
from core.identity.actors import viewer
from core.identity.models import User

PRIVATE = " Private: shown to the account itself and to staff, null for anyone else."


def own_account(context: Any, user: User) -> None:
    """Count ``user`` as the requester's own account for the rest of the request, though
    the request is anonymous (the account it has just created, whose tokens it gets)."""
    owned = getattr(context, "_nexus_own_user_ids", None)
    if owned is None:
        owned = context._nexus_own_user_ids = set()
    owned.add(user.pk)


def may_see_roles(context: Any, user: User) -> bool:
    """Whether the requester may see ``user``'s roles: their own account, or staff."""
    if user.pk in getattr(context, "_nexus_own_user_ids", ()):
        return True
    requester = viewer(context)
    return requester is not None and (requester.pk == user.pk or roles.is_site_staff(requester))


class UserType(DjangoObjectType):  # type: ignore[misc]  # graphene-django is untyped: Any base
    """A Nexus account, the identity shared by every context."""

    id = graphene.ID(required=True, description="The user's id (the same as in REST).")
    username = graphene.String(required=True, description="Unique, case-insensitive handle.")
    first_name = graphene.String(required=True, description="Given name; may be empty.")
    last_name = graphene.String(required=True, description="Family name; may be empty.")
    date_joined = DateTime(required=True, description="When the account was created.")
    is_staff = graphene.Boolean(
        description="Operates the store and the site (catalog, orders, admin)." + PRIVATE
    )
    roles = graphene.List(
        graphene.NonNull(graphene.String),
        description="Role names: customer, candidate, employer, moderator." + PRIVATE,
    )

    class Meta:
        model = User
        name = "User"
        description = "A Nexus account, the identity shared by every context."
        fields = ("id", "username", "first_name", "last_name", "date_joined", "is_staff")

    @staticmethod
    def resolve_is_staff(user: User, info: graphene.ResolveInfo) -> bool | None:
        return user.is_staff if may_see_roles(info.context, user) else None

    @staticmethod
    def resolve_roles(user: User, info: graphene.ResolveInfo) -> list[str] | None:
        return user.roles if may_see_roles(info.context, user) else None


class CoreQuery(graphene.ObjectType):  # type: ignore[misc]  # graphene is untyped: Any base
    me = graphene.Field(
        UserType,
        description="The authenticated user (send `Authorization: Bearer <access>`), "
        "or null for anonymous requests.",
    )

    @staticmethod
    def resolve_me(root: object, info: graphene.ResolveInfo) -> User | None:
        user = viewer(info.context)
        if user is None:
            return None
        return selectors.user_with_roles(user=user)
