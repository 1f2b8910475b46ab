"""The user: the one identity every context shares (``AUTH_USER_MODEL = "core.User"``)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.db.models.functions import Lower

from core.identity.validators import SingleScriptValidator


class NexusUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # Logins are case-insensitive, like the uniqueness rule.
        return self.get(username__iexact=username)


class User(AbstractUser):
    """The one identity shared by every context. Roles are groups (see core.identity.roles)."""

    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="150 characters or fewer: letters, digits and @/./+/-/_ only, "
        "letters from one writing system.",
        validators=[UnicodeUsernameValidator(), SingleScriptValidator()],
        error_messages={"unique": "A user with that username already exists."},
    )
    email = models.EmailField("email address")

    objects: ClassVar[NexusUserManager] = NexusUserManager()

    # core.identity.roles caches the role names on the instance (one query per object);
    # core.identity.authentication sets them on the token's user from its cache.
    _nexus_role_names: frozenset[str]
    # core.identity.authentication: the password's fingerprint the token's user was
    # cached with (CHECK_REVOKE_TOKEN), None otherwise.
    _nexus_password_fingerprint: str | None

    REQUIRED_FIELDS = ["email"]

    class Meta:
        db_table = "core_user"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="core_user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="core_user_email_ci_unique"),
        ]

    @property
    def roles(self) -> list[str]:
        # The names already known on this object (core.identity.roles, the token's
        # cached user) or its groups (the prefetch cache when the caller prefetched them).
        known: frozenset[str] | None = self.__dict__.get("_nexus_role_names")
        if known is not None:
            return sorted(known)
        return sorted(group.name for group in self.groups.all())

    def has_role(self, role: str) -> bool:
        return role in self.roles
