"""Embedded default behind ``make run``: SQLite under var/, in-process cache,
eager Celery, console email, demo mode. No other service needed; any of them
can still be switched on with its environment variable.

``make run`` is what reviewers see, so it serves with DEBUG off: errors are
problem details and plain error pages, never Django's debug pages (tracebacks,
paths, settings). ``make dev`` turns DEBUG on for development.

No signing key is written in the source: the first run generates a random
one per checkout under var/ (mode 0600), so tokens cannot be forged by
anyone who has read the code.
"""

import os
import secrets
from pathlib import Path

_VAR = Path(__file__).resolve().parents[3] / "var"
_VAR.mkdir(parents=True, exist_ok=True)


def _local_secret_key(path: Path) -> str:
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        key = ""
    if len(key) >= 50:
        return key
    key = secrets.token_urlsafe(50)
    # Created with owner-only permissions; O_EXCL: a concurrent first run keeps the first key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


if not os.environ.get("DJANGO_SECRET_KEY"):
    os.environ["DJANGO_SECRET_KEY"] = _local_secret_key(_VAR / "secret_key")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
os.environ.setdefault("NEXUS_DEMO_MODE", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
# The sign-in limit per client IP (10 a minute elsewhere) guards passwords against
# guessing. A demo on loopback, whose accounts' passwords are on its landing page, has
# none to guard, while a developer going through docs/frontend.md, the README and the
# Postman collection signs in (register, refresh, logout...) some 30 times in a minute.
os.environ.setdefault("THROTTLE_AUTH", "60/min")
# No demo account has the 10,000 followers that stop the social fan-out. From 30, the
# demo's `ada` (followed by every demo person and account, some forty) is merged into
# feeds at read time while everyone else is fanned out: the social console shows both.
os.environ.setdefault("SOCIAL_FANOUT_MAX_FOLLOWERS", "30")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR  # noqa: E402

VAR_DIR.mkdir(parents=True, exist_ok=True)

# Under `make run` static files come from the app directories through whitenoise.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
