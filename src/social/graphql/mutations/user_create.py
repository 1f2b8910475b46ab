from __future__ import annotations

from typing import Any

import graphene

from core.identity.graphql import own_account
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
    access = graphene.String(
        required=True,
        description="An access token for the new account, as `POST /api/v1/auth/token/` "
        "gives: send `Authorization: Bearer <access>`.",
    )
    refresh = graphene.String(
        required=True,
        description="Its refresh token: exchange at `POST /api/v1/auth/token/refresh/`.",
    )

    class Meta:
        name = "CreateUserPayload"
        description = (
            "Register an account (anonymous; the same rules as REST registration, every bad "
            "field in one error) and sign it in: the user and a token pair."
        )

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, user: Any, **kwargs: Any) -> UserCreate:
        throttle_signup(info.context)
        created, tokens = accounts.user_create(**kwargs)
        see_users(info.context, [created.pk])
        own_account(info.context, created)  # the caller is the new account: its roles show
        return UserCreate(user=created, access=tokens.access, refresh=tokens.refresh)
