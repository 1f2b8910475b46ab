"""Like and unlike: both idempotent, so a retried request changes nothing."""

from __future__ import annotations

from typing import Any

import graphene

from social.graphql.dataloaders import see_posts
from social.graphql.mutations.base import SocialMutation, id_arg, to_id
from social.graphql.types import PostType
from social.services import posts


class PostLike(SocialMutation):
    class Arguments:
        post_id = id_arg("The post to like.")

    post = graphene.Field(PostType, description="The post, with its updated like count.")

    class Meta:
        name = "LikePostPayload"
        description = "Like a post; liking it again changes nothing."

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, user: Any, post_id: str) -> PostLike:
        post = posts.post_like(user=user, post_id=to_id(post_id, "postId"))
        see_posts(info.context, [post])
        return PostLike(post=post)


class PostUnlike(SocialMutation):
    class Arguments:
        post_id = id_arg("The post to stop liking.")

    post = graphene.Field(PostType, description="The post, with its updated like count.")

    class Meta:
        name = "UnlikePostPayload"
        description = "Remove the viewer's like; unliking again changes nothing."

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, user: Any, post_id: str) -> PostUnlike:
        post = posts.post_unlike(user=user, post_id=to_id(post_id, "postId"))
        see_posts(info.context, [post])
        return PostUnlike(post=post)
