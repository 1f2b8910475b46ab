"""Field errors as services raise them: Django's ``ValidationError`` keyed by field,
each message with a code. ``core.http.problems`` turns them into the 400
``validation_error`` problem with an ``errors`` member (REST) or an error with
``extensions`` (GraphQL), so every context reports a bad field the same way."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models import Model


def field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    """One bad field: ``{field: [message (code)]}``."""
    return ValidationError({field: [ValidationError(message, code=code)]})


@contextmanager
def fields_renamed(names: dict[str, str]) -> Iterator[None]:
    """Field errors raised inside come out under the names the client sent: a service
    that checks ``options`` for a body that said ``option`` (``{"options": "option"}``)
    reports ``option`` (and ``options.2`` as ``option.2``), so a client maps each error
    to a field it sent."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        renamed: dict[str, list[ValidationError]] = {}
        for field, errors in exc.error_dict.items():
            head, dot, rest = field.partition(".")
            name = names[head] + dot + rest if head in names else field
            renamed.setdefault(name, []).extend(errors)
        raise ValidationError(renamed) from exc


def full_clean(instance: Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's own validation (lengths, validators, choices, uniqueness) as field
    errors, without the constraint queries: the database enforces those, race-free."""
    instance.full_clean(exclude=list(exclude), validate_constraints=False)
