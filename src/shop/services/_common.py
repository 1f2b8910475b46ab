"""What several shop services share: the quantity check carts and orders both apply."""

from __future__ import annotations

from core.http.validation import field_error
from shop.models import MAX_QUANTITY


def _quantity(value: object, field: str = "quantity") -> int:
    """``value`` as the client sent it: a whole number from 1 to ``MAX_QUANTITY``, or a
    field error on ``field``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise field_error(field, f"A whole number from 1 to {MAX_QUANTITY}.", "invalid")
    return value
