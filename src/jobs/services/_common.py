"""What the job board's services share: a field error shaped like the model's own
validation, ``full_clean`` without the constraint queries (the database enforces
those), and the 409 ``illegal_transition`` that names where a job or an application
may go next."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from core.http.catalogue import ProblemError
from jobs import error_codes


def _field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _full_clean(instance: Any, *, exclude: Iterable[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude), validate_constraints=False)


def _illegal(current: str, target: str, allowed: Iterable[str], what: str) -> ProblemError:
    allowed = list(allowed)
    return ProblemError(
        error_codes.ILLEGAL_TRANSITION,
        f"This {what} is {current}; it cannot become {target}. "
        f"Allowed next: {', '.join(allowed) or 'none (final)'}.",
        current_status=current,
        allowed=allowed,
    )
