"""Point the Celery app at another broker address for a fault test: a closed port
(``broker_down``) or a broker of the test's own (``broker_at``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from celery import current_app

CLOSED_BROKER = "amqp://guest:guest@127.0.0.1:1//"  # nothing listens on port 1


def _point_at(url: str) -> None:
    current_app.conf.broker_url = url
    current_app.conf.broker_write_url = url
    current_app._pool = None  # drop pooled connections to the old address
    current_app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    real = current_app.conf.broker_url
    _point_at(url)
    try:
        yield
    finally:
        _point_at(real)


@contextmanager
def broker_down() -> Iterator[None]:
    with broker_at(CLOSED_BROKER):
        yield
