"""Cache keys shared by the movies services (which write them) and selectors (which
read them)."""

from __future__ import annotations

# The newest model version, so a request finds it with one cache GET.
MODEL_VERSION_KEY = "movies:model-version"
CATALOG_NAMESPACE = "movies.catalog"


def recommendations_namespace(user_id: int) -> str:
    """One ``core.cache.versioned`` namespace per user: invalidating it drops all their lists."""
    return f"movies.recs.{user_id}"


# The shape of the movies that lists cache, in their keys: bumped when it changes (a
# movie's ``genres`` became ``{slug, name}`` objects), so entries of the old shape are
# never read again (they expire).
SHAPE = "s2"


def recommendations_parts(genre_slug: str | None) -> list[object]:
    """The key parts of one of a user's lists: the genre. The model version that ranked
    the list is stored with it (``(version, items)``), not in its key, so a warm read
    fetches the entry and ``MODEL_VERSION_KEY`` in the same ``MGET``."""
    return [SHAPE, "ranked", genre_slug or "-"]
