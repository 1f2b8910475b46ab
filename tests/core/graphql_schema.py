"""A test-only schema with a self-referencing type, to exercise the limits
through the real /graphql/ view class (the product schema is still shallow)."""

import graphene
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns
from core.graphql.view import NexusGraphQLView


class Node(graphene.ObjectType):
    name = graphene.String()
    child = graphene.Field(lambda: Node)

    def resolve_name(self, info):
        return "node"

    def resolve_child(self, info):
        return Node()


class Query(graphene.ObjectType):
    root = graphene.Field(Node)

    def resolve_root(self, info):
        return Node()


schema = graphene.Schema(query=Query)

urlpatterns = [
    path("graphql-deep/", NexusGraphQLView.as_view(schema=schema)),
    *product_urlpatterns,
]
