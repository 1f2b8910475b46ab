from __future__ import annotations

from typing import Any

import graphene

from social.graphql.dataloaders import see_users
from social.graphql.mutations.base import SocialMutation, id_arg, to_id
from social.graphql.types import CommentType
from social.services import posts


class CommentCreate(SocialMutation):
    class Arguments:
        post_id = id_arg("The post to comment on.")
        text = graphene.String(required=True, description="The comment, 1 to 2,000 characters.")

    comment = graphene.Field(CommentType, description="The new comment.")

    class Meta:
        name = "CreateCommentPayload"
        description = "Comment on a post."

    @classmethod
    def perform(
        cls, info: graphene.ResolveInfo, user: Any, post_id: str, text: str
    ) -> CommentCreate:
        comment = posts.comment_create(user=user, post_id=to_id(post_id, "postId"), text=text)
        see_users(info.context, [user.pk])
        return CommentCreate(comment=comment)
