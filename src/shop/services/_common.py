"""What several shop services share: the quantity check carts and orders both apply."""

from __future__ import annotations

from typing import Any

from core.http.validation import field_error
from shop.models import MAX_QUANTITY


def _quantity(value: Any, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise field_error(field, f"A whole number from 1 to {MAX_QUANTITY}.", "invalid")
    return value
