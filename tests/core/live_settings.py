"""Settings for the real servers started by tests/core/live_servers.py: the test
settings (PostgreSQL, Redis, RabbitMQ) plus production's proxy header, so the
tests can show that ``X-Forwarded-Proto`` is believed from trusted proxies only
(tests/core/test_forwarded_headers.py checks the header is production's)."""

from config.settings.test import *  # noqa: F403

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
