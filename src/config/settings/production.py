"""Production: PostgreSQL, Redis, RabbitMQ, secure cookies and HSTS.

Refuses to start without the variables that have no safe default; the error
is one line naming the variable."""

import os

for _required in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
    if not os.environ.get(_required, "").strip():
        raise SystemExit(
            f"{_required} is not set: production settings refuse to start without it "
            "(see .env.example)."
        )

# Django's own deploy check asks for at least 50 characters; a shorter key can be
# guessed offline from any token it signed. Refuse to start rather than warn.
MIN_SECRET_KEY_LENGTH = 50
for _key in ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"):
    _value = os.environ.get(_key, "").strip()
    if (_value or _key == "DJANGO_SECRET_KEY") and len(_value) < MIN_SECRET_KEY_LENGTH:
        raise SystemExit(
            f"{_key} is shorter than {MIN_SECRET_KEY_LENGTH} characters: production "
            "settings refuse to start with it (generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )

from .base import *  # noqa: E402,F403
from .base import env  # noqa: E402

DEBUG = False
# Only the frontends listed in CORS_ALLOWED_ORIGINS, demo mode or not (demo mode's
# localhost origins are for a development machine: config.settings.security).
CORS_ALLOWED_ORIGIN_REGEXES: list[str] = []

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes reach the pods over plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

TEMPLATES[0]["OPTIONS"]["loaders"] = [  # noqa: F405
    (
        "django.template.loaders.cached.Loader",
        [
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    )
]
TEMPLATES[0]["APP_DIRS"] = False  # noqa: F405
