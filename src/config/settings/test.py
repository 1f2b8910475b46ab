"""Settings for the test suite: the real PostgreSQL, Redis and RabbitMQ on
127.0.0.1 at their standard ports unless the environment says otherwise."""

import os

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

from .base import *  # noqa: F403

# Fast hashing: the suite registers many users; production keeps Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}
# Static files come from the app directories (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
