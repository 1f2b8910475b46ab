"""JSON input that cannot hurt the server.

``json.loads`` recurses once per nesting level, so ``[`` x 10,000 raises
``RecursionError`` (a 500) and anything a little shallower still makes every
later recursive step (serializers, error formatting, the database's JSON
columns) deep. PostgreSQL cannot store NUL in text or jsonb, and SQLite
cannot bind integers past 64 bits. ``loads`` refuses all of these up front, in
one place, for every JSON body (REST through ``JSONParser``, ``/graphql/``
bodies and ``variables``), so each is a 400 that says what is wrong.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.datastructures import MultiValueDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.http.request import _ImmutableQueryDict  # the stubs' type of parsed forms

_Fields = TypeVar("_Fields", bound=MultiValueDict[str, Any])

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class JSONInputError(ValueError):
    """The body is not JSON we accept; the message says why, for the client."""


def _refuse_constant(name: str) -> Any:
    raise JSONInputError(f"{name} is not valid JSON (numbers must be finite).")


def max_depth() -> int:
    depth: int = settings.NEXUS_MAX_JSON_DEPTH
    return depth


def loads(data: str | bytes, *, depth: int | None = None) -> Any:
    """Decode JSON and check it: nesting at most ``depth`` (the setting by default),
    no NUL in strings or keys, integers within 64 bits, finite numbers."""
    limit = max_depth() if depth is None else depth
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise JSONInputError(f"JSON nested deeper than {limit} levels.") from None
    except JSONInputError:
        raise
    except (TypeError, ValueError) as exc:
        raise JSONInputError(f"Invalid JSON: {exc}") from None
    check(value, depth=limit)
    return value


def check(value: object, *, depth: int | None = None) -> None:
    """Walk decoded JSON iteratively (no recursion to exhaust) and refuse what no
    endpoint can use safely."""
    limit = max_depth() if depth is None else depth
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            if level >= limit:
                raise JSONInputError(f"JSON nested deeper than {limit} levels.")
            stack.extend((item, level + 1) for item in _children(node))
        else:
            _check_scalar(node)


def _children(node: dict[Any, object] | list[object]) -> list[object]:
    if isinstance(node, list):
        return node
    if any("\x00" in key for key in node):
        raise JSONInputError("JSON keys may not contain NUL (\\u0000).")
    return list(node.values())


def _check_scalar(node: object) -> None:
    if isinstance(node, str):
        if "\x00" in node:
            raise JSONInputError("JSON strings may not contain NUL (\\u0000).")
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, int):
        if not INT64_MIN <= node <= INT64_MAX:
            raise JSONInputError("JSON integers must fit in 64 bits.")
    elif isinstance(node, float) and not math.isfinite(node):
        raise JSONInputError("JSON numbers must be finite.")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser on ``loads``: every refusal is a 400 ``parse_error``."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(f"The body is not valid {encoding} text.") from None
        try:
            return loads(text)
        except JSONInputError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def _refuse_nul_fields(data: _Fields) -> _Fields:
    """Form fields: the same NUL rule as JSON (PostgreSQL cannot store or compare it)."""
    for key, values in data.lists():
        if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
            raise ParseError("Form fields may not contain NUL (%00).")
    return data


class FormParser(parsers.FormParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> _ImmutableQueryDict:
        return _refuse_nul_fields(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    """Multipart form fields, held to the body limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``) like
    JSON: the default for every view. The edge lets multipart bodies up to the upload limit
    through (``core.http.guard.body_limit``), so without this any write would read and
    spool ten times the body limit to disk; a view that takes files uses ``UploadParser``."""

    def body_limit(self) -> int | None:
        limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return limit

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> parsers.DataAndFiles[_ImmutableQueryDict, MultiValueDict[str, UploadedFile]]:
        request = (parser_context or {}).get("request")
        limit = self.body_limit()
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0  # refused by BodySizeLimitMiddleware before it gets here
            if length > limit:
                raise RequestDataTooBig(f"The body is {length} bytes; the limit is {limit}.")
        result = super().parse(stream, media_type, parser_context)
        _refuse_nul_fields(result.data)
        return result


class UploadParser(MultiPartParser):
    """Multipart with files, up to ``NEXUS_MAX_UPLOAD_BYTES``: for views that take uploads."""

    def body_limit(self) -> int | None:
        limit: int | None = settings.NEXUS_MAX_UPLOAD_BYTES
        return limit
