"""What several shop services share: a validation error shaped like model validation's
(one field, one coded message) and the quantity check carts and orders both apply."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from shop.models import MAX_QUANTITY


def _field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code)]})


def _quantity(value: Any, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise _field_error(field, f"A whole number from 1 to {MAX_QUANTITY}.", "invalid")
    return value
