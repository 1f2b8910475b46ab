"""Stop early, naming the service, when PostgreSQL, Redis or RabbitMQ is down.

``make test`` runs this before the suite: the tests use the real services,
and a clear "RabbitMQ is down, start it with ..." beats a wall of failures.
"""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

START_COMMANDS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    "RabbitMQ": "rabbitmq-server -detached",
}


def _reachable(host: str, port: int, timeout: float = 2.0) -> str | None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return str(exc)


class Command(BaseCommand):
    help = "Check that the database, Redis and the broker named in settings answer."

    def handle(self, *args: Any, **options: Any) -> None:
        targets: list[tuple[str, str, int]] = []
        database = settings.DATABASES["default"]
        if "postgresql" in database["ENGINE"]:
            host = database.get("HOST") or "127.0.0.1"
            targets.append(("PostgreSQL", host, int(database.get("PORT") or 5432)))
        if settings.REDIS_URL:
            url = urlsplit(settings.REDIS_URL)
            targets.append(("Redis", url.hostname or "127.0.0.1", url.port or 6379))
        if settings.CELERY_BROKER_URL.startswith(("amqp", "pyamqp")):
            url = urlsplit(settings.CELERY_BROKER_URL)
            targets.append(("RabbitMQ", url.hostname or "127.0.0.1", url.port or 5672))

        down = []
        for name, host, port in targets:
            error = _reachable(host, port)
            if error is None:
                self.stdout.write(f"{name} is up at {host}:{port}")
            else:
                down.append(
                    f"{name} is down at {host}:{port} ({error}). Start it with: "
                    f"{START_COMMANDS[name]}"
                )
        if down:
            raise CommandError("\n".join(down))
