"""DRF permission classes for the roles in ``core.identity.roles``: the one place that
says what "staff", "moderator", "employer" and "candidate" may do. Domains use
these (and ``core.identity.roles``' predicates in services), never the raw flags.

Anonymous callers get a 401 from every class here (DRF turns a refused
unauthenticated request into ``not_authenticated``); signed-in callers without
the role get a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.identity import roles

if TYPE_CHECKING:  # DRF's settings import permission classes while rest_framework.views loads
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _RolePermission(BasePermission):
    check: Callable[[roles.Actor], bool] = staticmethod(lambda user: False)
    message = "You do not have the role this requires."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return self.check(request.user)


class IsSiteStaff(_RolePermission):
    """Store and site operators (``is_staff``): catalog, orders, admin."""

    check = staticmethod(roles.is_site_staff)
    message = "Only staff may do this."


class IsModerator(_RolePermission):
    """Content moderators (the ``moderator`` group)."""

    check = staticmethod(roles.is_moderator)
    message = "Only moderators may do this."


class IsEmployer(_RolePermission):
    check = staticmethod(roles.is_employer)
    message = "Only employers may do this."


class IsCandidate(_RolePermission):
    check = staticmethod(roles.is_candidate)
    message = "Only candidates may do this."


class ReadOnlyOr(BasePermission):
    """Anyone may read; writes need ``permission``: ``ReadOnlyOr.for_(IsSiteStaff)``."""

    write_permission: type[BasePermission] = IsSiteStaff

    @classmethod
    def for_(cls, permission: type[BasePermission]) -> type[BasePermission]:
        return type(f"ReadOnlyOr{permission.__name__}", (cls,), {"write_permission": permission})

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        permission = self.write_permission()
        self.message = getattr(permission, "message", None)
        return permission.has_permission(request, view)


IsSiteStaffOrReadOnly = ReadOnlyOr.for_(IsSiteStaff)
IsModeratorOrReadOnly = ReadOnlyOr.for_(IsModerator)
