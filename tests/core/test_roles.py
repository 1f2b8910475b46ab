import pytest

from core.identity.models import User


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


# --- one vocabulary: staff operate, moderators moderate ------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "roles", "expected"),
    [
        ({}, ["customer"], {"staff": False, "moderator": False, "employer": False}),
        ({"is_staff": True}, ["customer"], {"staff": True, "moderator": False, "employer": False}),
        ({}, ["moderator"], {"staff": False, "moderator": True, "employer": False}),
        ({}, ["employer"], {"staff": False, "moderator": False, "employer": True}),
        ({"is_superuser": True}, [], {"staff": True, "moderator": True, "employer": True}),
        (
            {"is_staff": True, "is_active": False},
            ["moderator"],
            {"staff": False, "moderator": False, "employer": False},
        ),
    ],
)
def test_role_predicates(kwargs, roles, expected):
    from core.identity import roles as vocabulary
    from tests.core.factories import UserFactory

    user = UserFactory(roles=roles, **kwargs)

    assert {
        "staff": vocabulary.is_site_staff(user),
        "moderator": vocabulary.is_moderator(user),
        "employer": vocabulary.is_employer(user),
    } == expected


@pytest.mark.django_db
def test_role_checks_read_the_groups_once_per_user(django_assert_num_queries):
    from core.identity import roles as vocabulary
    from tests.core.factories import UserFactory

    user = User.objects.get(pk=UserFactory(roles=["moderator", "candidate"]).pk)
    with django_assert_num_queries(1):
        assert vocabulary.is_moderator(user)
        assert vocabulary.is_candidate(user)
        assert not vocabulary.is_employer(user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "get", "post"),
    [(None, 200, 401), ("customer", 200, 403), ("moderator", 200, 201), ("staff", 200, 403)],
)
def test_permission_classes_answer_401_403_or_pass(who, get, post):
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory, force_authenticate
    from rest_framework.views import APIView

    from core.identity.permissions import IsModeratorOrReadOnly
    from tests.core.factories import UserFactory

    class Moderated(APIView):
        permission_classes = [IsModeratorOrReadOnly]

        def get(self, request):
            return Response({})

        def post(self, request):
            return Response({}, status=201)

    factory = APIRequestFactory()
    user = None
    if who == "staff":
        user = UserFactory(is_staff=True)
    elif who:
        user = UserFactory(roles=[who])
    statuses = []
    for request in (factory.get("/"), factory.post("/", {}, format="json")):
        if user is not None:
            force_authenticate(request, user=user)
        statuses.append(Moderated.as_view()(request).status_code)

    assert statuses == [get, post]


@pytest.mark.django_db
def test_demo_accounts_match_the_vocabulary():
    from core.identity import roles as vocabulary
    from core.site.demo import seed_accounts

    seed_accounts()
    by_name = {user.username: user for user in User.objects.all()}

    assert vocabulary.is_moderator(by_name["demo_moderator"])
    assert not vocabulary.is_site_staff(by_name["demo_moderator"])
    assert vocabulary.is_site_staff(by_name["demo_staff"])
    assert not vocabulary.is_moderator(by_name["demo_staff"])
    assert vocabulary.is_employer(by_name["demo_employer"])
    assert vocabulary.is_candidate(by_name["demo_candidate"])
