from __future__ import annotations

from typing import Any

import graphene

from social.graphql.dataloaders import see_posts
from social.graphql.mutations.base import SocialMutation, id_arg, to_id
from social.graphql.types import PostType
from social.services import posts


class PostUpdate(SocialMutation):
    class Arguments:
        post_id = id_arg("The post to edit.")
        content = graphene.String(required=True, description="The new text, 1 to 5,000 characters.")

    post = graphene.Field(PostType, description="The edited post.")

    class Meta:
        name = "UpdatePostPayload"
        description = "Edit a post's text (its author only)."

    @classmethod
    def perform(
        cls, info: graphene.ResolveInfo, user: Any, post_id: str, content: str
    ) -> PostUpdate:
        post = posts.post_update(user=user, post_id=to_id(post_id, "postId"), content=content)
        see_posts(info.context, [post])
        return PostUpdate(post=post)
