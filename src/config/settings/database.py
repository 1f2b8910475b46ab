"""Database: the default connection, psycopg's pool, an optional read replica."""

from __future__ import annotations

from .base import VAR_DIR, env

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'nexus.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections: a new PostgreSQL connection costs ~40 ms per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True


def sqlite_options(timeout: float) -> dict[str, object]:
    """SQLite (the embedded default) under concurrent requests: WAL lets reads go on
    beside the one writer; IMMEDIATE takes the write lock as a transaction begins, so a
    transaction that read first cannot fail to upgrade to a write ("database is locked"
    at once, the busy timeout skipped); a writer waits up to ``timeout`` seconds for the
    lock. A write that still cannot have it is a 503 ``database_busy`` with Retry-After
    (core.http.outages)."""
    return {
        "transaction_mode": "IMMEDIATE",
        "timeout": timeout,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }


SQLITE_BUSY_TIMEOUT = env.float("SQLITE_BUSY_TIMEOUT", default=10.0)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(sqlite_options(SQLITE_BUSY_TIMEOUT))

# psycopg's pool (Django >= 5.1): the right choice under ASGI, where persistent
# per-thread connections are not reused. Pooled connections need CONN_MAX_AGE=0.
DATABASE_POOL = env.bool("DATABASE_POOL", default=False)
if DATABASE_POOL and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        # Connections above min_size unused this long are closed (the stream role sets
        # min 0 and a short idle time: idle streams leave no connection open).
        "max_idle": env.float("DATABASE_POOL_MAX_IDLE", default=600.0),
    }

if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    if "OPTIONS" in DATABASES["default"]:
        DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db.PrimaryReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
