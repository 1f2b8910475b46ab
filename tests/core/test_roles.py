import pytest

from core.models import User


@pytest.mark.django_db
def test_roles_exist_after_migrations():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "customer",
        "candidate",
        "employer",
        "moderator",
    }
    assert User.objects.count() == 0
