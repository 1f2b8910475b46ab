"""The movies' problem codes, registered with core's catalogue (each has a page under
/problems/). Clients switch on ``code``."""

from __future__ import annotations

from core.http.catalogue import register_problem

TMDB_NOT_CONFIGURED = register_problem(
    "tmdb_not_configured",
    status=503,
    title="TMDb is not configured",
    description="This operation needs The Movie Database, and this deployment has no "
    "`TMDB_API_TOKEN`. Everything else runs on MovieLens data; use the catalog "
    "(`/api/v1/movies/movies/?search=`) and Nexus trending instead.",
    context="movies",
)
TMDB_UNAVAILABLE = register_problem(
    "tmdb_unavailable",
    status=503,
    title="TMDb unavailable",
    description="The Movie Database did not answer in time, kept failing, or is being given "
    "a rest after repeated failures (circuit open); `Retry-After` says when to try again. "
    "Cached answers are still served.",
    context="movies",
)
TMDB_BAD_GATEWAY = register_problem(
    "tmdb_bad_gateway",
    status=502,
    title="TMDb refused the request",
    description="The Movie Database answered with an error this deployment cannot fix by "
    "retrying (for example, it rejected the configured token). The operator has been told "
    "through the logs.",
    context="movies",
)
