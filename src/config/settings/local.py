"""Embedded default behind ``make run``: SQLite under var/, in-process cache,
eager Celery, console email, demo mode. No other service needed; any of them
can still be switched on with its environment variable."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "local-insecure-only-for-make-run-0123456789abcdef")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
os.environ.setdefault("NEXUS_DEMO_MODE", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from .base import *  # noqa: F403
from .base import VAR_DIR

VAR_DIR.mkdir(parents=True, exist_ok=True)

# Under `make run` static files come from the app directories through whitenoise.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
