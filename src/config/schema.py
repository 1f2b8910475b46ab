"""The root GraphQL schema, composed from each context's mixins.

Only this composition root knows every context. Social's mixins come first so its
``me`` (the ``User`` type with the social profile) replaces core's.
"""

import graphene

from core.identity.graphql import CoreQuery
from social.graphql.schema import SocialMutations, SocialQueries


class Query(SocialQueries, CoreQuery, graphene.ObjectType):
    """Entry points for reading the Nexus graph."""


class Mutation(SocialMutations, graphene.ObjectType):
    """Entry points for changing the Nexus graph (send them with POST)."""


schema = graphene.Schema(query=Query, mutation=Mutation)
