"""What the movies endpoints share: documented error responses, page parameters,
and the genre check."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import ValidationError

from core.http.openapi import CURSOR_PAGE_PARAMETERS, ProblemSerializer
from movies import selectors

PAGE_PARAMETERS = CURSOR_PAGE_PARAMETERS
BAD_REQUEST = OpenApiResponse(ProblemSerializer, description="`validation_error` naming the field.")
UNAUTHENTICATED = OpenApiResponse(ProblemSerializer, description="`not_authenticated`.")
NOT_FOUND = OpenApiResponse(ProblemSerializer, description="`not_found` (or not yours).")


def _genre(slug: str | None, field: str = "genre") -> Any:
    if not slug:
        return None
    genre = selectors.genre_by_slug(slug)
    if genre is None:
        raise ValidationError({field: [f"Unknown genre {slug[:40]!r}; see /genres/."]})
    return genre
