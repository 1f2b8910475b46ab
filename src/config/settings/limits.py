"""Request limits: body and upload sizes, JSON depth."""

from __future__ import annotations

from .environment import env

# Bodies above this are refused with 413 before any parser reads them.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_MAX_BODY_BYTES", default=1_048_576)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
NEXUS_MAX_UPLOAD_BYTES = env.int("NEXUS_MAX_UPLOAD_BYTES", default=10_485_760)
# JSON nested deeper than this is a 400 (core.http.parsers), for REST bodies and GraphQL.
NEXUS_MAX_JSON_DEPTH = env.int("NEXUS_MAX_JSON_DEPTH", default=32)
