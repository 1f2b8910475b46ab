from __future__ import annotations

from typing import Any

import graphene

from social.graphql.dataloaders import see_users
from social.graphql.mutations.base import SocialMutation, throttle_signup
from social.graphql.types import UserType
from social.services import accounts


class UserCreate(SocialMutation):
    """Register an account, anonymously, with the same rules as `POST /api/v1/auth/register/`."""

    requires_auth = False

    class Arguments:
        username = graphene.String(required=True, description="Unique handle (any case).")
        email = graphene.String(required=True, description="Email address.")
        password = graphene.String(
            required=True, description="Password, checked by the site's password rules."
        )

    user = graphene.Field(UserType, description="The new account.")

    class Meta:
        name = "CreateUserPayload"
        description = "Register an account (anonymous; the same rules as REST registration)."

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, user: Any, **kwargs: Any) -> UserCreate:
        throttle_signup(info.context)
        created = accounts.user_create(**kwargs)
        see_users(info.context, [created.pk])
        return UserCreate(user=created)
