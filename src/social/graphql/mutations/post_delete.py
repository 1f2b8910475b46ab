from __future__ import annotations

from typing import Any

import graphene

from social.graphql.mutations.base import SocialMutation, id_arg, to_id
from social.services import posts


class PostDelete(SocialMutation):
    class Arguments:
        post_id = id_arg("The post to delete.")

    ok = graphene.Boolean(required=True, description="True once the post is gone.")

    class Meta:
        name = "DeletePostPayload"
        description = "Delete a post (its author, or a moderator); it leaves every feed."

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, user: Any, post_id: str) -> PostDelete:
        posts.post_delete(user=user, post_id=to_id(post_id, "postId"))
        return PostDelete(ok=True)
