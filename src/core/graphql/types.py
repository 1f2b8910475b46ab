import graphene
from graphene_django import DjangoObjectType

from core.models import User


class UserType(DjangoObjectType):
    """A Nexus account, the identity shared by every context."""

    roles = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Role names: customer, candidate, employer, moderator.",
    )

    class Meta:
        model = User
        name = "User"
        description = "A Nexus account, the identity shared by every context."
        fields = ("id", "username", "first_name", "last_name", "date_joined")

    @staticmethod
    def resolve_roles(user: User, info: graphene.ResolveInfo) -> list[str]:
        return user.roles
