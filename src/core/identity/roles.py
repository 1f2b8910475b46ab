"""Roles are Django groups; these names are the contract other contexts use."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias, TypeGuard

if TYPE_CHECKING:
    # For the annotations only: roles needs neither class at run time.
    from django.contrib.auth.models import AnonymousUser

    from core.identity.models import User

# Who may be asked about: ``request.user`` (signed in or anonymous), or no one.
Actor: TypeAlias = "User | AnonymousUser | None"


class Role(StrEnum):
    CUSTOMER = "customer"
    CANDIDATE = "candidate"
    EMPLOYER = "employer"
    MODERATOR = "moderator"


# Roles a person may pick at registration; everyone is a customer, moderators are staff-made.
SELF_SERVICE_ROLES = frozenset({Role.CANDIDATE, Role.EMPLOYER})
ALL_ROLES = tuple(Role)


# --- the one vocabulary of who may do what ---------------------------------------
#
# is_staff            operates the store and the site: catalog, orders, the admin.
# moderator (group)   moderates content: posts, comments, job postings, companies.
# employer (group)    acts for the companies they belong to in jobs.
# candidate (group)   applies to jobs.
# Superusers hold every role. Services and views ask these functions (or the DRF
# permission classes in core.identity.permissions built on them), never the flags.


def _active(user: Actor) -> TypeGuard[User]:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_names(user: Actor) -> frozenset[str]:
    """The user's role names, read once per user object (one query, then cached)."""
    if not _active(user):
        return frozenset()
    cached = getattr(user, "_nexus_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._nexus_role_names = cached
    return cached


def has_role(user: Actor, role: Role | str) -> bool:
    if not _active(user):
        return False
    return bool(user.is_superuser) or str(role) in role_names(user)


def is_site_staff(user: Actor) -> bool:
    """Operates the store and the site (catalog, orders, admin)."""
    return _active(user) and bool(user.is_staff or user.is_superuser)


def is_moderator(user: Actor) -> bool:
    """Moderates content (posts, comments, job postings, companies)."""
    return has_role(user, Role.MODERATOR)


def is_employer(user: Actor) -> bool:
    return has_role(user, Role.EMPLOYER)


def is_candidate(user: Actor) -> bool:
    return has_role(user, Role.CANDIDATE)
