"""The Movie Database (TMDb) client: httpx, with everything a shared upstream needs.

- **Timeouts** on every request (``TMDB_TIMEOUT_SECONDS``).
- **Retries** with exponential backoff on network errors and 5xx; a 429 waits for its
  ``Retry-After`` (up to ``max_retry_after`` seconds) and retries.
- **An outbound rate limit** shared by every process: a per-second counter in the
  cache (Redis in production), ``TMDB_RATE_LIMIT_PER_SECOND`` (20 by default, TMDb
  tolerates about 40-50); over it, a caller waits for the next second.
- **A response cache** (details a day, lists four hours; TMDb's terms cap caching at
  six months) with **single-flight** on a miss: one caller takes a short lock and
  fetches, the others wait for its answer, so a stampede makes one upstream call.
- **A circuit breaker**: ``breaker_threshold`` failures (after retries) within
  ``breaker_window`` seconds open it for ``breaker_cooldown`` seconds, during which
  calls fail at once (cached answers are still served) instead of waiting on timeouts.

Errors are ``TMDbError`` subclasses; the services turn them into problem details
(502/503, never a 500). Without ``TMDB_API_TOKEN`` every call raises ``NotConfigured``.
"""

from __future__ import annotations

import difflib
import email.utils
import hashlib
import json
import logging
import random
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."
ATTRIBUTION_URL = "https://www.themoviedb.org/"
IMAGE_BASE = "https://image.tmdb.org/t/p/w342"
DETAIL_TTL = 24 * 3600
LIST_TTL = 4 * 3600
NOT_FOUND_TTL = 3600
# A match is accepted only with the exact release year and a normalised-title
# similarity (difflib ratio, 0..1) at or above this ("Toy Story" vs "Toy Story 2" is 0.90).
MATCH_THRESHOLD = 0.92


class TMDbError(Exception):
    pass


class NotConfigured(TMDbError):
    pass


class Unavailable(TMDbError):
    def __init__(self, message: str, *, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class Rejected(TMDbError):
    """TMDb refused the request (401 bad token, 403, other 4xx): retrying will not help."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class NotFound(TMDbError):
    pass


_NOT_FOUND = {"__tmdb_not_found__": True}


def _retry_after(response: httpx.Response, default: float = 1.0) -> float:
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return default
    if raw.isdigit():
        return float(raw)
    try:
        moment = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return default
    return max(0.0, moment.timestamp() - time.time())


@dataclass
class TMDbClient:
    token: str
    base_url: str = "https://api.themoviedb.org/3"
    timeout: float = 5.0
    rate_per_second: int = 20
    max_retries: int = 2
    backoff: float = 0.25
    max_retry_after: float = 10.0
    breaker_threshold: int = 5
    breaker_window: int = 60
    breaker_cooldown: int = 30
    lock_seconds: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    prefix: str = "tmdb"
    _http: httpx.Client | None = field(default=None, repr=False)

    # --- public calls -----------------------------------------------------------

    def search_movies(self, query: str, *, year: int | None = None, page: int = 1) -> dict:
        params: dict[str, Any] = {"query": query, "page": page, "include_adult": "false"}
        if year:
            params["year"] = year
        return self.get("/search/movie", params, ttl=LIST_TTL)

    def movie(self, tmdb_id: int) -> dict:
        return self.get(f"/movie/{int(tmdb_id)}", {}, ttl=DETAIL_TTL)

    def trending(self, window: str = "week") -> dict:
        return self.get(f"/trending/movie/{'day' if window == 'day' else 'week'}", {}, ttl=LIST_TTL)

    # --- the machinery ----------------------------------------------------------

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def get(self, path: str, params: dict[str, Any], *, ttl: int) -> dict:
        if not self.token:
            raise NotConfigured("TMDB_API_TOKEN is not set")
        digest = hashlib.blake2b(
            json.dumps([path, sorted(params.items())], default=str).encode(), digest_size=16
        ).hexdigest()
        key = self._key("response", digest)
        hit = cache.get(key)
        if hit is not None:
            return self._unbox(hit)
        remaining = self.circuit_remaining()
        if remaining:
            raise Unavailable("TMDb circuit open after repeated failures", retry_after=remaining)
        lock = key + ":lock"
        if cache.add(lock, "1", timeout=int(self.lock_seconds) + 1):
            try:
                try:
                    value = self._fetch(path, params)
                except NotFound:
                    cache.set(key, _NOT_FOUND, timeout=NOT_FOUND_TTL)
                    raise
                cache.set(key, value, timeout=ttl)
                return value
            finally:
                cache.delete(lock)
        # Someone else is fetching this: wait for their answer rather than call too.
        deadline = time.monotonic() + self.lock_seconds
        while time.monotonic() < deadline:
            time.sleep(0.02)
            hit = cache.get(key)
            if hit is not None:
                return self._unbox(hit)
            if cache.get(lock) is None:  # the fetch failed and left nothing behind
                hit = cache.get(key)
                if hit is not None:
                    return self._unbox(hit)
                break
        raise Unavailable("TMDb did not answer a concurrent request", retry_after=5)

    @staticmethod
    def _unbox(value: dict) -> dict:
        if value == _NOT_FOUND:
            raise NotFound("not found on TMDb")
        return value

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url,
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 3.0)),
                headers={"Accept": "application/json", "User-Agent": "nexus-movies/1.0"},
            )
        return self._http

    def _fetch(self, path: str, params: dict[str, Any]) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"}
        last_error = "no attempt"
        for attempt in range(self.max_retries + 1):
            self._throttle()
            try:
                response = self._client().get(path, params=params, headers=headers)
            except httpx.HTTPError as exc:  # timeouts, refused connections, protocol errors
                last_error = f"{type(exc).__name__}: {exc}"
                if attempt < self.max_retries:
                    self._backoff(attempt)
                    continue
                break
            status = response.status_code
            if status == 200:
                self._record_success()
                try:
                    return response.json()
                except ValueError as exc:
                    raise Unavailable("TMDb sent a body that is not JSON") from exc
            if status == 429:
                wait = _retry_after(response)
                if attempt < self.max_retries and wait <= self.max_retry_after:
                    logger.info("TMDb rate limit hit; waiting %.1fs (Retry-After)", wait)
                    self.sleep(wait)
                    continue
                raise Unavailable("TMDb rate limit reached", retry_after=int(wait) + 1)
            if status >= 500:
                last_error = f"HTTP {status}"
                if attempt < self.max_retries:
                    self._backoff(attempt)
                    continue
                break
            if status == 404:
                raise NotFound(f"{path} not found on TMDb")
            message = _status_message(response)
            if status in (401, 403):
                logger.error("TMDb rejected the token (HTTP %s): %s", status, message)
            raise Rejected(f"TMDb answered {status}: {message}", status=status)
        self._record_failure()
        raise Unavailable(f"TMDb failed after {self.max_retries + 1} attempts ({last_error})")

    def _backoff(self, attempt: int) -> None:
        self.sleep(self.backoff * (2**attempt) * (0.5 + random.random()))  # noqa: S311

    def _throttle(self) -> None:
        """At most ``rate_per_second`` requests in each wall-clock second, counted in
        the shared cache; a caller over the limit waits for the next second (up to
        about two seconds, then it gives up rather than pile up)."""
        for _ in range(3):
            now = self.clock()
            window = int(now)
            key = self._key("rate", str(window))
            cache.add(key, 0, timeout=5)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                continue
            if count is None or count <= self.rate_per_second:  # None: cache down, degrade
                return
            self.sleep(max(0.0, window + 1 - now))
        raise Unavailable("outbound TMDb rate limit busy", retry_after=1)

    # --- circuit breaker ------------------------------------------------------------

    def circuit_remaining(self) -> int:
        until = cache.get(self._key("circuit", "open_until"))
        if until is None:
            return 0
        remaining = float(until) - time.time()
        return int(remaining) + 1 if remaining > 0 else 0

    def _record_failure(self) -> None:
        key = self._key("circuit", "failures")
        cache.add(key, 0, timeout=self.breaker_window)
        try:
            failures = cache.incr(key)
        except ValueError:
            failures = 1
        if failures is not None and failures >= self.breaker_threshold:
            cache.set(
                self._key("circuit", "open_until"),
                time.time() + self.breaker_cooldown,
                timeout=self.breaker_cooldown,
            )
            cache.delete(key)
            logger.warning("TMDb circuit opened for %ss", self.breaker_cooldown)

    def _record_success(self) -> None:
        cache.delete(self._key("circuit", "failures"))


def _status_message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("status_message", ""))[:200]
    except ValueError:
        return response.text[:200]


# --- one client per process -----------------------------------------------------------

_client_lock = threading.Lock()
_clients: dict[tuple, TMDbClient] = {}


def configured() -> bool:
    return bool(settings.TMDB_API_TOKEN)


def get_client() -> TMDbClient:
    """The process's client for the current settings (a new one if they change, as
    tests do)."""
    config = (
        settings.TMDB_API_TOKEN,
        settings.TMDB_BASE_URL,
        settings.TMDB_TIMEOUT_SECONDS,
        settings.TMDB_RATE_LIMIT_PER_SECOND,
    )
    with _client_lock:
        client = _clients.get(config)
        if client is None:
            _clients.clear()
            client = _clients[config] = TMDbClient(
                token=config[0],
                base_url=config[1].rstrip("/"),
                timeout=float(config[2]),
                rate_per_second=int(config[3]),
            )
        return client


def readiness_probe() -> str | None:
    """For /health/ready/: skipped when not configured, down while the circuit is open.
    It does not call TMDb (a readiness probe must stay cheap)."""
    if not configured():
        return "not configured: TMDB_API_TOKEN is not set; movies run on MovieLens alone"
    remaining = get_client().circuit_remaining()
    if remaining:
        raise ConnectionError(f"circuit open after repeated failures; retrying in {remaining}s")
    return None


# --- matching MovieLens titles to TMDb ------------------------------------------------

_ARTICLE_SUFFIX = re.compile(
    r"^(?P<rest>.+), (?P<article>the|a|an|les|la|le|l'|el|il|der|die|das)$"
)
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise_title(title: str) -> str:
    """Lower-case ASCII words: accents dropped, "&" as "and", a MovieLens-style trailing
    article moved back to the front ("Matrix, The" -> "the matrix")."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\s*\(.*?\)\s*$", "", text.strip())  # a trailing "(a.k.a. ...)"
    match = _ARTICLE_SUFFIX.match(text)
    if match:
        text = f"{match['article']} {match['rest']}"
    text = text.replace("&", " and ")
    return _NOT_WORD.sub(" ", text).strip()


def title_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise_title(a), normalise_title(b)).ratio()


@dataclass(frozen=True)
class Match:
    tmdb_id: int
    confidence: float
    overview: str
    poster_path: str


def best_match(title: str, year: int, results: list[dict]) -> Match | None:
    """The confident match among TMDb search results: the exact release year and the
    best title similarity (title or original title) at or above ``MATCH_THRESHOLD``."""
    best: Match | None = None
    for result in results:
        release = str(result.get("release_date") or "")
        if release[:4] != str(year):
            continue
        similarity = max(
            title_similarity(title, str(result.get("title") or "")),
            title_similarity(title, str(result.get("original_title") or "")),
        )
        if similarity < MATCH_THRESHOLD or not isinstance(result.get("id"), int):
            continue
        if best is None or similarity > best.confidence:
            best = Match(
                tmdb_id=int(result["id"]),
                confidence=round(similarity, 4),
                overview=str(result.get("overview") or ""),
                poster_path=str(result.get("poster_path") or ""),
            )
    return best
