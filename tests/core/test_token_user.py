"""A bearer token's user comes from the cache (its columns, the password aside, and its
role names), not from a query per request, and revocation is still checked on every
request: a deactivated, deleted or (with CHECK_REVOKE_TOKEN) re-passworded user's token is
refused on the very next request, in this process or after another's commit; a role
change, from either side of the membership, is seen on the next request."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from core.identity.authentication import forget_user, token_user
from core.identity.models import User
from core.identity.roles import Role, is_moderator
from tests.core.factories import PASSWORD, UserFactory
from tests.core.redis_commands import redis_commands
from tests.helpers import assert_problem, client_for

ME = "/api/v1/auth/me/"
NOTIFICATIONS = "/api/v1/auth/notifications/"  # needs the user's id only

pytestmark = pytest.mark.django_db


def user_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "core_user"' in q["sql"]]


def role_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "auth_group"' in q["sql"]]


def test_an_endpoint_that_needs_only_the_id_reads_no_user_row():
    client = client_for(UserFactory())

    with CaptureQueriesContext(connection) as cold:
        assert client.get(NOTIFICATIONS).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(NOTIFICATIONS).status_code == 200

    # The first request reads the row and its roles (and caches them), as every request
    # did; the next one neither.
    assert len(user_queries(cold)) == 1
    assert len(role_queries(cold)) == 1
    assert user_queries(warm) == role_queries(warm) == []
    assert len(warm) == len(cold) - 2


def test_a_warm_token_costs_one_round_trip_to_redis_for_the_user():
    client = client_for(UserFactory())
    client.get(NOTIFICATIONS)

    with redis_commands() as sent:
        assert client.get(NOTIFICATIONS).status_code == 200

    # The user's columns (one MGET) and the throttle (one script).
    assert sorted(sent) == ["EVALSHA", "MGET"]


def test_me_returns_the_whole_user_from_the_cached_columns(django_assert_num_queries):
    user = UserFactory(first_name="Ada", last_name="Lovelace", is_staff=True)
    client = client_for(user)
    first = client.get(ME)

    with django_assert_num_queries(0):  # the user and its roles come from the cache
        second = client.get(ME)

    assert second.status_code == 200
    assert second.json() == first.json()
    body = second.json()
    assert (body["id"], body["username"], body["email"]) == (user.pk, user.username, user.email)
    assert (body["first_name"], body["last_name"], body["is_staff"]) == ("Ada", "Lovelace", True)


def _group(name: str) -> Group:
    return Group.objects.get_or_create(name=name)[0]


def _add_on_the_user(user: User) -> None:
    user.groups.add(_group(Role.EMPLOYER))


def _remove_on_the_user(user: User) -> None:
    user.groups.remove(_group(Role.CANDIDATE))


def _set_on_the_user(user: User) -> None:
    user.groups.set([_group(Role.MODERATOR)])


def _clear_on_the_user(user: User) -> None:
    user.groups.clear()


def _add_on_the_group(user: User) -> None:
    _group(Role.EMPLOYER).user_set.add(user)


def _remove_on_the_group(user: User) -> None:
    _group(Role.CANDIDATE).user_set.remove(user)


def _clear_the_group(user: User) -> None:
    _group(Role.CANDIDATE).user_set.clear()


def _rename_the_group(user: User) -> None:
    group = _group(Role.CANDIDATE)
    group.name = "applicant"
    group.save()


def _delete_the_group(user: User) -> None:
    _group(Role.CANDIDATE).delete()


@pytest.mark.parametrize(
    ("change", "roles"),
    [
        (_add_on_the_user, ["candidate", "customer", "employer"]),
        (_remove_on_the_user, ["customer"]),
        (_set_on_the_user, ["moderator"]),
        (_clear_on_the_user, []),
        (_add_on_the_group, ["candidate", "customer", "employer"]),
        (_remove_on_the_group, ["customer"]),
        (_clear_the_group, ["customer"]),
        (_rename_the_group, ["applicant", "customer"]),
        (_delete_the_group, ["customer"]),
    ],
)
def test_a_role_change_is_seen_by_the_next_request_though_cached(change, roles):
    """The roles travel with the cached user: any change to its groups, from either
    side, drops them, and REST, GraphQL and the permission checks see it at once."""
    user = UserFactory(roles=[Role.CUSTOMER, Role.CANDIDATE])
    client = client_for(user)
    assert client.get(ME).json()["roles"] == ["candidate", "customer"]  # cached now

    change(user)

    assert client.get(ME).json()["roles"] == roles
    graphql = client.post("/graphql/", {"query": "{ me { roles } }"}, format="json")
    assert graphql.json() == {"data": {"me": {"roles": roles}}}


def test_the_role_checks_read_the_cached_roles_and_see_one_taken_away(
    django_assert_num_queries,
):
    """``core.identity.roles`` (what every permission class asks) answers for the
    token's user without a query, and no longer once the role is taken away."""
    user = UserFactory(roles=[Role.MODERATOR])
    token_user(user.pk)  # cached now

    with django_assert_num_queries(0):
        warm = token_user(user.pk)
        assert (is_moderator(warm), warm.roles) == (True, ["moderator"])
    user.groups.remove(_group(Role.MODERATOR))

    after = token_user(user.pk)
    assert (is_moderator(after), after.roles) == (False, [])


def test_a_profile_change_is_seen_by_the_next_request():
    user = UserFactory()
    client = client_for(user)
    client.get(ME)

    assert client.patch(ME, {"email": "new@example.test"}, format="json").status_code == 200

    assert client.get(ME).json()["email"] == "new@example.test"


def test_the_password_still_loads_when_asked_for():
    """The cached user's password is deferred: a password change checks the real one."""
    user = UserFactory()
    client = client_for(user)
    client.get(ME)
    change = {"old_password": PASSWORD, "new_password": "a-new-Passphrase-42"}

    assert client.post("/api/v1/auth/password/change/", change, format="json").status_code == 204
    user.refresh_from_db()
    assert user.check_password("a-new-Passphrase-42")
    assert client.get(ME).status_code == 200  # access tokens outlive a password change


def _deactivate(user: User) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def _delete(user: User) -> None:
    user.delete()


def _update_behind_the_model(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)
    forget_user(user.pk)


@pytest.mark.parametrize(
    ("revoke", "code"),
    [
        (_deactivate, "user_inactive"),
        (_delete, "user_not_found"),
        (_update_behind_the_model, "user_inactive"),
    ],
)
def test_a_revoked_user_is_refused_on_the_next_request_though_cached(revoke, code):
    user = UserFactory()
    client = client_for(user)
    assert client.get(NOTIFICATIONS).status_code == 200  # cached now

    revoke(user)

    assert_problem(client.get(NOTIFICATIONS), 401, code)
    assert client.post("/graphql/", {"query": "{ me { id } }"}, format="json").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_deactivation_committed_while_another_request_reads_is_not_cached():
    """A request that reads the row while the deactivation is not committed yet sees the
    user active, and may cache that; the bump after the commit drops it."""
    user = UserFactory()
    client = client_for(user)
    during: list[int] = []

    def request_meanwhile() -> None:
        try:
            during.append(client.get(NOTIFICATIONS).status_code)
        finally:
            connection.close()

    with transaction.atomic():
        _deactivate(user)  # not committed: other connections still see the user active
        reader = threading.Thread(target=request_meanwhile)
        reader.start()
        reader.join(timeout=30)

    assert during == [200]
    assert_problem(client.get(NOTIFICATIONS), 401, "user_inactive")


def test_with_check_revoke_token_a_password_change_refuses_older_tokens(monkeypatch):
    # simplejwt's modules share one settings object (a changed SIMPLE_JWT rebinds a new
    # one that they do not see): turn the check on in that one.
    monkeypatch.setattr(api_settings, "CHECK_REVOKE_TOKEN", True)
    user = UserFactory()
    old = client_for(token=str(AccessToken.for_user(user)))
    assert old.get(NOTIFICATIONS).status_code == 200  # cached with the password's print
    change = {"old_password": PASSWORD, "new_password": "a-new-Passphrase-42"}

    assert old.post("/api/v1/auth/password/change/", change, format="json").status_code == 204

    # simplejwt's "password_changed", which the problem catalogue answers as the generic
    # code (the check is off in Nexus' settings), as it did before the cache.
    refused = assert_problem(old.get(NOTIFICATIONS), 401, "authentication_failed")
    assert refused["detail"] == "The user's password has been changed."
    user.refresh_from_db()
    assert client_for(user).get(NOTIFICATIONS).status_code == 200  # a new token works
