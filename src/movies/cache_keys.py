"""Cache keys shared by the movies services (which write them) and selectors (which
read them)."""

from __future__ import annotations

# The newest model version, so a request finds it with one cache GET.
MODEL_VERSION_KEY = "movies:model-version"
CATALOG_NAMESPACE = "movies.catalog"


def recommendations_namespace(user_id: int) -> str:
    """One ``core.cache.versioned`` namespace per user: invalidating it drops all their lists."""
    return f"movies.recs.{user_id}"
