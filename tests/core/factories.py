from __future__ import annotations

import factory
from django.contrib.auth.models import Group

from core.identity.models import User
from core.identity.roles import Role
from core.notifications.models import Notification

PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        names = extracted if extracted is not None else [Role.CUSTOMER]
        self.groups.add(*[Group.objects.get_or_create(name=str(name))[0] for name in names])


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = "test"
    title = factory.Sequence(lambda n: f"Notification {n}")
    body = "body"
