"""Identity's part of the root GraphQL schema (composed in ``config.schema``): the
``User`` type and the ``me`` query."""

from __future__ import annotations

import graphene
from graphene_django import DjangoObjectType

from core.http.graphql import DateTime
from core.identity import selectors
from core.identity.actors import viewer
from core.identity.models import User


class UserType(DjangoObjectType):  # type: ignore[misc]  # graphene-django is untyped: Any base
    """A Nexus account, the identity shared by every context."""

    id = graphene.ID(required=True, description="The user's id (the same as in REST).")
    username = graphene.String(required=True, description="Unique, case-insensitive handle.")
    first_name = graphene.String(required=True, description="Given name; may be empty.")
    last_name = graphene.String(required=True, description="Family name; may be empty.")
    date_joined = DateTime(required=True, description="When the account was created.")
    is_staff = graphene.Boolean(
        required=True, description="Operates the store and the site (catalog, orders, admin)."
    )
    roles = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Role names: customer, candidate, employer, moderator.",
    )

    class Meta:
        model = User
        name = "User"
        description = "A Nexus account, the identity shared by every context."
        fields = ("id", "username", "first_name", "last_name", "date_joined", "is_staff")

    @staticmethod
    def resolve_roles(user: User, info: graphene.ResolveInfo) -> list[str]:
        return user.roles


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
