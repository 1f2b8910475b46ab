"""Identity writes: registration, profile, password, tokens and roles. Every rule lives
here, so REST, GraphQL, admin and tasks share it. Services raise Django's
``ValidationError`` with per-field codes; the API layer turns it into problem details."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, update_last_login
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from core.http.validation import field_error
from core.identity.models import User
from core.identity.roles import ALL_ROLES, SELF_SERVICE_ROLES, Role
from core.identity.tokens import RefreshToken
from core.tasking import events

logger = logging.getLogger(__name__)


def roles_ensure() -> list[Group]:
    """Create the role groups if missing (idempotent)."""
    return [Group.objects.get_or_create(name=role.value)[0] for role in ALL_ROLES]


def _uniqueness_errors(
    *, username: str | None, email: str | None, exclude_id: int | None
) -> dict[str, list[ValidationError]]:
    others = User.objects.all()
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    errors: dict[str, list[ValidationError]] = {}
    if username is not None and others.filter(username__iexact=username).exists():
        errors["username"] = [
            ValidationError("A user with that username already exists.", code="unique")
        ]
    if email is not None and others.filter(email__iexact=email).exists():
        errors["email"] = [ValidationError("A user with that email already exists.", code="unique")]
    return errors


def _integrity_to_validation(exc: IntegrityError) -> ValidationError:
    # A concurrent registration won the race between our check and the insert.
    text = str(exc)
    if "email" in text:
        return field_error("email", "A user with that email already exists.", "unique")
    return field_error("username", "A user with that username already exists.", "unique")


_no_nul = ProhibitNullCharactersValidator()


def _text(field: str, value: object, errors: dict[str, list[ValidationError]]) -> str:
    """A text input, stripped; a non-string is an error on its field (GraphQL and
    tasks call services with whatever they were given)."""
    if not isinstance(value, str):
        errors[field] = [ValidationError("Must be a string.", code="invalid")]
        return ""
    return value.strip()


def _column_errors(user: User, fields: Iterable[str]) -> dict[str, list[ValidationError]]:
    """Check values against their columns: length, format and each field's validators
    (the username's script rule included). The same rules bind REST, GraphQL and admin,
    on SQLite (which would store anything) and PostgreSQL (which would raise)."""
    fields = set(fields)
    errors: dict[str, list[ValidationError]] = {}
    for field in fields:
        value = getattr(user, field)
        try:
            _no_nul(value)
        except ValidationError as exc:
            errors[field] = exc.error_list
    exclude = [f.name for f in User._meta.concrete_fields if f.name not in fields] + list(errors)
    try:
        user.clean_fields(exclude=exclude)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    return errors


def _password_errors(password: object, user: User) -> list[ValidationError]:
    if not isinstance(password, str):
        return [ValidationError("Must be a string.", code="invalid")]
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        # The length cap runs first; a capped password need not be checked further.
        return [error for error in exc.error_list if error.code == "password_too_long"] or (
            exc.error_list
        )
    return []


_REGISTRATION_FIELDS = ("username", "email", "password", "role")


def _registration(
    fields: Mapping[str, object],
) -> tuple[str, str, dict[str, list[ValidationError]]]:
    """The username and email given, cleaned, and every problem with the fields at once,
    so a client can fix the whole form in one go. A field absent from ``fields`` is not
    checked: its caller refused it already (REST's serializer does)."""
    errors: dict[str, list[ValidationError]] = {}
    texts = {"username", "email"} & set(fields)
    username = _text("username", fields["username"], errors) if "username" in texts else ""
    email = _text("email", fields["email"], errors) if "email" in texts else ""
    email = User.objects.normalize_email(email)
    candidate = User(username=username, email=email)
    errors.update(_column_errors(candidate, texts - set(errors)))
    unchecked = texts - set(errors)
    errors.update(
        _uniqueness_errors(
            username=username if "username" in unchecked else None,
            email=email if "email" in unchecked else None,
            exclude_id=None,
        )
    )
    role = fields.get("role")
    if role is not None and role not in SELF_SERVICE_ROLES:
        allowed = ", ".join(sorted(SELF_SERVICE_ROLES))
        errors["role"] = [ValidationError(f"Choose one of: {allowed}.", code="invalid_choice")]
    if "password" in fields:
        password_errors = _password_errors(fields["password"], candidate)
        if password_errors:
            errors["password"] = password_errors
    # In the form's order, whichever check found them.
    ordered = {field: errors[field] for field in _REGISTRATION_FIELDS if field in errors}
    return username, email, ordered


def user_register_errors(fields: Mapping[str, object]) -> dict[str, list[ValidationError]]:
    """What ``user_register`` would refuse in these fields, as ``{field: [ValidationError]}``
    (empty: nothing). Only the fields given are checked; REST passes those its
    serializer accepted, so one 400 names every bad field."""
    return _registration(fields)[2]


def user_register(
    *, username: object, email: object, password: object, role: object = None
) -> User:
    """Inputs are checked here, whatever their type (GraphQL and tasks pass them on)."""
    fields = {"username": username, "email": email, "password": password, "role": role}
    name, address, errors = _registration(fields)
    if errors:
        raise ValidationError(errors)
    # What the checks above let through: a string password, no role or a role's name.
    assert isinstance(password, str)
    assert role is None or isinstance(role, str)

    try:
        with transaction.atomic():
            user = User.objects.create_user(username=name, email=address, password=password)
            names = [Role.CUSTOMER.value] + ([role] if role else [])
            user.groups.add(*_groups(names))
    except IntegrityError as exc:
        raise _integrity_to_validation(exc) from exc

    events.publish(
        events.UserRegistered(
            user_id=user.pk, username=user.username, email=user.email, roles=tuple(sorted(names))
        )
    )
    return user


def _groups(names: Iterable[str]) -> list[Group]:
    groups = {group.name: group for group in Group.objects.filter(name__in=list(names))}
    missing = [name for name in names if name not in groups]
    for name in missing:
        groups[name] = Group.objects.get_or_create(name=name)[0]
    return [groups[name] for name in names]


PROFILE_FIELDS = ("email", "first_name", "last_name")


def user_update(*, user: User, data: Mapping[str, object]) -> User:
    """Update the caller's own profile. Username and roles are not self-editable."""
    errors: dict[str, list[ValidationError]] = {}
    changes = {
        field: _text(field, data[field], errors) for field in PROFILE_FIELDS if field in data
    }
    if "email" in changes:
        changes["email"] = User.objects.normalize_email(changes["email"])
    if not changes and not errors:
        return user
    # Validate on a copy: a refused update leaves the caller's object untouched.
    candidate = User(**{field: getattr(user, field) for field in PROFILE_FIELDS}, pk=user.pk)
    for field, value in changes.items():
        setattr(candidate, field, value)
    errors.update(_column_errors(candidate, set(changes) - set(errors)))
    if "email" in changes and "email" not in errors:
        errors.update(_uniqueness_errors(username=None, email=changes["email"], exclude_id=user.pk))
    if errors:
        raise ValidationError(errors)
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        with transaction.atomic():
            user.save(update_fields=list(changes))
    except IntegrityError as exc:
        raise _integrity_to_validation(exc) from exc
    return user


def user_password_change(*, user: User, old_password: object, new_password: object) -> None:
    """Change the password and revoke every refresh token the user holds."""
    if not isinstance(old_password, str) or not user.check_password(old_password):
        raise field_error("old_password", "The current password is not correct.", "invalid")
    password_errors = _password_errors(new_password, user)
    if password_errors:
        raise ValidationError({"new_password": password_errors})
    assert isinstance(new_password, str)  # _password_errors refuses anything else
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        user_tokens_revoke(user=user)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def user_tokens_issue(*, user: User) -> TokenPair:
    """A signed-in session for ``user``: the pair ``POST /api/v1/auth/token/`` gives (its
    refresh token recorded as outstanding, so logout and a password change revoke it),
    the sign-in recorded in ``last_login`` where that endpoint records it."""
    refresh = RefreshToken.for_user(user)
    if jwt_settings.UPDATE_LAST_LOGIN:
        update_last_login(User, user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def user_tokens_revoke(*, user: User) -> int:
    """Blacklist all outstanding refresh tokens of ``user`` (logout everywhere).

    The user's row is held first, as a refresh holds it while it spends its token and
    records the successor: a refresh under way finishes before the outstanding tokens
    are listed (so its successor is among them), and one that comes later finds its
    token revoked."""
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    with transaction.atomic():
        list(User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk"))
        outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
        rows = [BlacklistedToken(token=token) for token in outstanding]
        BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
