"""Who is acting: the request's user as the user model (``core.identity.models.User``).

``request.user`` is a ``User`` or an ``AnonymousUser``; code that needs the account
asks here instead of trusting that a permission class has already refused anonymous
callers, so the type says which one it has.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.exceptions import NotAuthenticated

from core.identity.models import User


def viewer(request: HttpRequest) -> User | None:
    """The signed-in user of a Django or DRF request, or None for an anonymous caller."""
    user = request.user
    return user if isinstance(user, User) else None


def authenticated_user(request: HttpRequest) -> User:
    """The signed-in user of a request whose view requires one (``IsAuthenticated``): an
    anonymous caller is refused before the view runs. Should one get here anyway, it is
    answered as DRF answers any unauthenticated request (401 ``not_authenticated``)."""
    user = viewer(request)
    if user is None:
        raise NotAuthenticated
    return user
