"""What the job board's services share: a field error shaped like the model's own
validation and ``full_clean`` without the constraint queries (the database enforces
those). An illegal move is ``JOB_WORKFLOW``'s or ``APPLICATION_WORKFLOW``'s 409."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError


def _field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _full_clean(instance: Any, *, exclude: Iterable[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude), validate_constraints=False)
