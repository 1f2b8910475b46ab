"""Field errors as services raise them: Django's ``ValidationError`` keyed by field,
each message with a code. ``core.http.problems`` turns them into the 400
``validation_error`` problem with an ``errors`` member (REST) or an error with
``extensions`` (GraphQL), so every context reports a bad field the same way."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Model


def field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    """One bad field: ``{field: [message (code)]}``."""
    return ValidationError({field: [ValidationError(message, code=code)]})


def full_clean(instance: Model, *, exclude: Iterable[str] = ()) -> None:
    """The model's own validation (lengths, validators, choices, uniqueness) as field
    errors, without the constraint queries: the database enforces those, race-free."""
    instance.full_clean(exclude=list(exclude), validate_constraints=False)
