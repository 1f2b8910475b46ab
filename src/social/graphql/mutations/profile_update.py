from __future__ import annotations

from typing import Any

import graphene

from social.graphql.dataloaders import see_users
from social.graphql.mutations.base import SocialMutation
from social.graphql.types import UserType
from social.services import accounts


class ProfileUpdate(SocialMutation):
    class Arguments:
        bio = graphene.String(description="New bio, up to 500 characters; omit to keep it.")
        profile_picture = graphene.String(
            description="New profile picture URL (http or https), empty to clear; omit to keep it."
        )

    user = graphene.Field(UserType, description="The updated account.")

    class Meta:
        name = "UpdateProfilePayload"
        description = "Change the viewer's bio and profile picture."

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, user: Any, **kwargs: Any) -> ProfileUpdate:
        accounts.profile_update(user=user, **kwargs)
        see_users(info.context, [user.pk])
        return ProfileUpdate(user=user)
