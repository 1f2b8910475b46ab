"""Email: the backend from ``EMAIL_URL`` and the sender."""

from __future__ import annotations

from .environment import env

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Nexus <no-reply@nexus.localhost>")
