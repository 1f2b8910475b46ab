"""Follow, block and mute, and their undoing: each takes a username and answers
``{ ok user }``; each is idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene

from social.graphql.dataloaders import see_users
from social.graphql.mutations.base import SocialMutation
from social.graphql.types import UserType
from social.services import relationships


def _relation(
    class_name: str, payload: str, description: str, action: Callable[..., Any]
) -> type[SocialMutation]:
    class Arguments:
        username = graphene.String(required=True, description="The other account's handle.")

    def perform(cls: Any, info: graphene.ResolveInfo, user: Any, username: str) -> Any:
        other = action(user=user, username=username)
        see_users(info.context, [other.pk])
        return cls(ok=True, user=other)

    meta = type("Meta", (), {"name": payload, "description": description})
    return type(
        class_name,
        (SocialMutation,),
        {
            "Arguments": Arguments,
            "Meta": meta,
            "ok": graphene.Boolean(required=True, description="True when done."),
            "user": graphene.Field(UserType, description="The other account, as it is now."),
            "perform": classmethod(perform),
            "__doc__": description,
        },
    )


UserFollow = _relation(
    "UserFollow",
    "FollowUserPayload",
    "Follow an account: its recent posts join the viewer's feed.",
    relationships.follow_create,
)
UserUnfollow = _relation(
    "UserUnfollow",
    "UnfollowUserPayload",
    "Stop following an account: its posts and shares leave the viewer's feed.",
    relationships.follow_delete,
)
UserBlock = _relation(
    "UserBlock",
    "BlockUserPayload",
    "Block an account: follows both ways end, and it can no longer follow the viewer, "
    "see the viewer's posts or interact with them.",
    relationships.block_create,
)
UserUnblock = _relation(
    "UserUnblock", "UnblockUserPayload", "Lift a block.", relationships.block_delete
)
UserMute = _relation(
    "UserMute",
    "MuteUserPayload",
    "Mute an account: its posts and shares leave the viewer's feed; it is not told.",
    relationships.mute_create,
)
UserUnmute = _relation(
    "UserUnmute", "UnmuteUserPayload", "Unmute an account.", relationships.mute_delete
)
