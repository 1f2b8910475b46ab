from __future__ import annotations

from typing import Any

import graphene

from social import selectors
from social.graphql.dataloaders import see_posts
from social.graphql.mutations.base import SocialMutation, id_arg, to_id
from social.graphql.types import PostType, ShareType
from social.services import posts


class PostShare(SocialMutation):
    class Arguments:
        post_id = id_arg("The post to share.")
        comment = graphene.String(description="Optional text to add, up to 500 characters.")

    post = graphene.Field(PostType, description="The shared post, with its updated share count.")
    share = graphene.Field(ShareType, description="The viewer's share of the post.")

    class Meta:
        name = "SharePostPayload"
        description = "Share (repost) a post into the viewer's followers' feeds; once per post."

    @classmethod
    def perform(
        cls, info: graphene.ResolveInfo, user: Any, post_id: str, comment: str | None = None
    ) -> PostShare:
        post = posts.post_share(user=user, post_id=to_id(post_id, "postId"), comment=comment)
        see_posts(info.context, [post])
        share = selectors.share_get(user_id=user.pk, post_id=post.pk)
        if share is not None:  # the post as its sharer reads it (its comment count)
            share.post = post
        return PostShare(post=post, share=share)
