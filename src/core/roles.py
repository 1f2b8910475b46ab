"""Roles are Django groups; these names are the contract other contexts use."""

from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    CANDIDATE = "candidate"
    EMPLOYER = "employer"
    MODERATOR = "moderator"


# Roles a person may pick at registration; everyone is a customer, moderators are staff-made.
SELF_SERVICE_ROLES = frozenset({Role.CANDIDATE, Role.EMPLOYER})
ALL_ROLES = tuple(Role)
