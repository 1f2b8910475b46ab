"""Documents that passed parsing and validation, kept by hash so that the same text sent
again skips both (the GraphQL view asks here first).

Only a document that parsed within the token limit and passed every validation rule is
kept, under its text's SHA-256 and everything its verdict depends on: the schema, the
token limit and the rules (which carry the depth, alias, field and cost limits of the
settings in force). A document that failed is never kept: it is parsed and refused
again, with the same errors. The size limit is checked before the lookup, as before
parsing.

The memory is bounded by the documents' length: a parsed document takes about 150 bytes
per byte of text, so ``GRAPHQL_DOCUMENT_CACHE_BYTES`` of text (64 KiB by default, about
10 MB of parsed documents) are kept, the least recently used dropped first; a document
longer than a quarter of it is never kept, and 0 keeps none.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence

from django.conf import settings
from graphql import ASTValidationRule, DocumentNode, GraphQLSchema

Key = tuple[Hashable, ...]


class DocumentCache:
    """A thread-safe LRU of parsed, valid documents, bounded by their text's length."""

    def __init__(self) -> None:
        self._entries: OrderedDict[Key, tuple[DocumentNode, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Key) -> DocumentNode | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Key, document: DocumentNode, size: int, budget: int) -> None:
        if size > budget // 4:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (document, size)
            self._bytes += size
            while self._bytes > budget:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


documents = DocumentCache()


def document_key(
    schema: GraphQLSchema,
    query: str,
    rules: Sequence[type[ASTValidationRule]],
    max_tokens: int,
) -> Key:
    digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).digest()
    return (digest, schema, max_tokens, *rules)


def cached_document(key: Key) -> DocumentNode | None:
    """The parsed document, if this text passed under these limits before."""
    return documents.get(key)


def remember_document(key: Key, document: DocumentNode, size: int) -> None:
    """Keep a document that parsed and passed validation (never one that failed)."""
    budget = int(getattr(settings, "GRAPHQL_DOCUMENT_CACHE_BYTES", 0))
    if budget > 0:
        documents.put(key, document, size, budget)
