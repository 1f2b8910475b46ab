from __future__ import annotations

from typing import Any

import graphene

from social.graphql.dataloaders import see_posts
from social.graphql.mutations.base import SocialMutation
from social.graphql.types import PostType
from social.services import posts


class PostCreate(SocialMutation):
    class Arguments:
        content = graphene.String(required=True, description="The text, 1 to 5,000 characters.")
        media_url = graphene.String(description="An http(s) link to an image or video.")

    post = graphene.Field(PostType, description="The new post.")

    class Meta:
        name = "CreatePostPayload"
        description = "Publish a post; it reaches followers' feeds within moments."

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, user: Any, **kwargs: Any) -> PostCreate:
        post = posts.post_create(author=user, **kwargs)
        see_posts(info.context, [post])
        return PostCreate(post=post)
