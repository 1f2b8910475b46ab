from __future__ import annotations

from typing import Any

import graphene

from social.graphql.mutations.base import SocialMutation, id_arg, to_id
from social.services import posts


class CommentDelete(SocialMutation):
    class Arguments:
        comment_id = id_arg("The comment to delete.")

    ok = graphene.Boolean(required=True, description="True once the comment is gone.")

    class Meta:
        name = "DeleteCommentPayload"
        description = "Delete a comment (its author, or a moderator)."

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, user: Any, comment_id: str) -> CommentDelete:
        posts.comment_delete(user=user, comment_id=to_id(comment_id, "commentId"))
        return CommentDelete(ok=True)
