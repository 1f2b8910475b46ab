"""Static files storage for production: hashed names and compression (whitenoise),
with pre-built vendored assets published byte for byte."""

from __future__ import annotations

import re
from collections.abc import Callable

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _unchanged(match: re.Match[str]) -> str:
    return match.group("matched")


class NexusStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Like whitenoise's manifest storage, except that files under
    ``verbatim_prefixes`` keep their exact bytes (they still get a hashed name).

    The manifest storage rewrites references inside CSS and JS files (``url()``,
    ``@import``, ``sourceMappingURL``) to hashed names. That would break the
    Subresource Integrity hash a template pins such a file with, and for GraphiQL's
    files it even fails collectstatic: they name source maps the package does not ship.
    """

    verbatim_prefixes: tuple[str, ...] = ("graphene_django_graphiql_static/",)

    def url_converter(
        self, name: str, hashed_files: dict[str, str], template: str | None = None
    ) -> Callable[[re.Match[str]], str]:
        if name.replace("\\", "/").startswith(self.verbatim_prefixes):
            return _unchanged
        return super().url_converter(name, hashed_files, template)
