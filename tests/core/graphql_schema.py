"""A test-only schema with a self-referencing type, to exercise the limits
through the real /graphql/ view class (the product schema is still shallow)."""

import graphene
from django.urls import path
from graphene import relay
from graphene_django import DjangoConnectionField, DjangoObjectType

from config.urls import urlpatterns as product_urlpatterns
from core.identity.models import User
from core.site.graphql.view import NexusGraphQLView


class Chain(graphene.ObjectType):
    name = graphene.String()
    child = graphene.Field(lambda: Chain)

    def resolve_name(self, info):
        return "node"

    def resolve_child(self, info):
        return Chain()


class UserNode(DjangoObjectType):
    class Meta:
        model = User
        interfaces = (relay.Node,)
        fields = ("username",)


class Query(graphene.ObjectType):
    root = graphene.Field(Chain)
    users = DjangoConnectionField(UserNode)

    def resolve_root(self, info):
        return Chain()


schema = graphene.Schema(query=Query)

urlpatterns = [
    path("graphql-deep/", NexusGraphQLView.as_view(schema=schema)),
    *product_urlpatterns,
]
