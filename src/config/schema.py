"""The root GraphQL schema, composed from each context's mixins.

Only this composition root knows every context. Social adds its query and
mutation mixins here in its own issue.
"""

import graphene

from core.graphql.schema import CoreQuery


class Query(CoreQuery, graphene.ObjectType):
    """Entry points for reading the Nexus graph."""


schema = graphene.Schema(query=Query)
