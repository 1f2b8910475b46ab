"""Core's part of the root GraphQL schema (composed in ``config.schema``)."""

from __future__ import annotations

import graphene

from core import selectors
from core.graphql.types import UserType


class CoreQuery(graphene.ObjectType):
    me = graphene.Field(
        UserType,
        description="The authenticated user (send `Authorization: Bearer <access>`), "
        "or null for anonymous requests.",
    )

    @staticmethod
    def resolve_me(root: object, info: graphene.ResolveInfo) -> object | None:
        user = info.context.user
        if not user.is_authenticated:
            return None
        return selectors.user_with_roles(user=user)
