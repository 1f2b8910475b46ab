"""Cache (Redis, or in-process without it) and live streams."""

from __future__ import annotations

from .environment import env

# --- cache ------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="nexus"),
            "TIMEOUT": env.int("CACHE_DEFAULT_TIMEOUT", default=300),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A Redis outage degrades to the database; it is logged, never a 500.
                "IGNORE_EXCEPTIONS": True,
                "LOG_IGNORED_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
                "SOCKET_TIMEOUT": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
                # After a connection failure Redis is skipped for REDIS_BREAKER_SECONDS
                # (core.cache.breaker), so an unanswering Redis costs one timeout, not one a call.
                "CONNECTION_FACTORY": "core.cache.breaker.ConnectionFactory",
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "core.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "nexus",
            "TIMEOUT": env.int("CACHE_DEFAULT_TIMEOUT", default=300),
        }
    }
# core.cache.breaker: after a Redis connection failure, skip that Redis this many seconds
# (every client of the process: cache, throttles, feeds, stream publishing); 0: off.
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", default=5.0)

# --- live streams (core.live.topics: pub/sub behind Server-Sent Events) ----------

# Redis pub/sub carries "changed" wake-ups between processes; without it, in-process.
STREAMS_REDIS_URL = env("STREAMS_REDIS_URL", default="") or REDIS_URL
STREAMS_CHANNEL_PREFIX = (
    env("STREAMS_CHANNEL_PREFIX", default="") or env("CACHE_KEY_PREFIX", default="nexus")
) + ":stream:"
# Heartbeat comments keep proxies from closing an idle stream (nginx's default is 60 s).
STREAMS_HEARTBEAT_SECONDS = env.float("STREAMS_HEARTBEAT_SECONDS", default=15.0)
# Coalescing: at most one reload (and one event) per topic and process per interval.
STREAMS_MIN_INTERVAL_SECONDS = env.float("STREAMS_MIN_INTERVAL_SECONDS", default=0.25)
# Reload anyway this often (pub/sub is at-most-once) ...
STREAMS_SAFETY_POLL_SECONDS = env.float("STREAMS_SAFETY_POLL_SECONDS", default=15.0)
# ... and this often while Redis is unreachable.
STREAMS_FALLBACK_POLL_SECONDS = env.float("STREAMS_FALLBACK_POLL_SECONDS", default=2.0)
STREAMS_RETRY_MILLISECONDS = env.int("STREAMS_RETRY_MILLISECONDS", default=3000)
