"""Field errors as services raise them: Django's ``ValidationError`` keyed by field,
each message with a code. ``core.http.problems`` turns them into the 400
``validation_error`` problem with an ``errors`` member (REST) or an error with
``extensions`` (GraphQL), so every context reports a bad field the same way."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    """One bad field: ``{field: [message (code)]}``."""
    return ValidationError({field: [ValidationError(message, code=code)]})


def field_errors(errors: dict[str, list[ValidationError]]) -> ValidationError:
    """Several bad fields at once, so a client can fix the whole form in one go."""
    return ValidationError(errors)
