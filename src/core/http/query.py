"""Query parameters: a list endpoint names the parameters it takes, and anything else
is a 400 ``validation_error`` naming the unknown ones and the ones it allows, rather
than a filter silently ignored (``?state=`` where the API says ``?status=``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from rest_framework.exceptions import ValidationError

# Parameters every endpoint tolerates: DRF's format override.
ALWAYS_ALLOWED = frozenset({"format"})
_SHOWN = 5  # unknown parameters named in one answer
_NAME = 40  # characters of a parameter name echoed back


def reject_unknown_parameters(given: Iterable[str], allowed: Collection[str]) -> None:
    """Raise the 400 ``unknown_parameter`` for every name in ``given`` (the request's
    query parameters) that ``allowed`` does not list."""
    unknown = sorted(set(given) - set(allowed) - ALWAYS_ALLOWED)
    if unknown:
        names = ", ".join(sorted(set(allowed) - ALWAYS_ALLOWED))
        raise ValidationError(
            {name[:_NAME]: [f"Unknown parameter; use: {names}."] for name in unknown[:_SHOWN]},
            code="unknown_parameter",
        )
