"""Settings for the test suite: the real PostgreSQL, Redis and RabbitMQ on
127.0.0.1 at their standard ports unless the environment says otherwise."""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/nexus")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", "nexus-test")
os.environ.setdefault("CACHE_KEY_PREFIX", "nexus-test")
os.environ.setdefault("NEXUS_DEMO_MODE", "true")
# Off in the suite: a Redis stall on a loaded machine would open the breaker and skip
# the cache.clear() that starts every test, serving one test's cached reads to the next.
# tests/faults turn it on with their own cool-downs.
os.environ.setdefault("REDIS_BREAKER_SECONDS", "0")


def _worker_apart() -> None:
    """Under pytest-xdist (`make test` runs `-n 2`), each worker (PYTEST_XDIST_WORKER
    gw0, gw1, ...) gets services of its own: pytest-django suffixes its PostgreSQL test
    database (test_nexus_gw1); here, its Redis database (worker K uses the configured
    number minus K, modulo 16, so gw0 keeps it: cache.clear() is a FLUSHDB), its cache
    key prefix, Celery queues and stream channels (pub/sub ignores the database number).
    Written into the environment, so the servers and Celery workers a test starts inherit
    them; once (NEXUS_TEST_WORKER says so), as those processes import these settings too."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker or os.environ.get("NEXUS_TEST_WORKER") == worker:
        return
    os.environ["NEXUS_TEST_WORKER"] = worker
    index = int(worker.removeprefix("gw"))
    for name in ("REDIS_URL", "SOCIAL_FEED_REDIS_URL"):
        if url := os.environ.get(name):
            parts = urlsplit(url)
            number = (int(parts.path.strip("/") or 0) - index) % 16
            os.environ[name] = urlunsplit(parts._replace(path=f"/{number}"))
    for name in (
        "CACHE_KEY_PREFIX",
        "CELERY_TASK_DEFAULT_QUEUE",
        "SOCIAL_FANOUT_QUEUE",
        "STREAMS_CHANNEL_PREFIX",
    ):
        if os.environ.get(name):
            os.environ[name] += f"-{worker}"


_worker_apart()

# Imported once the environment above is complete: base reads it.
from .base import *  # noqa: E402, F403

# Fast hashing: the suite registers many users; production keeps Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}
# Static files come from the app directories (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
