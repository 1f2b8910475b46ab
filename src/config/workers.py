"""Gunicorn worker classes (``worker_class`` in infra/gunicorn.conf.py).

Loaded by the gunicorn arbiter before Django is set up: import nothing from
Django or the apps here.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker as _UvicornWorker


class UvicornWorker(_UvicornWorker):
    """uvicorn's gunicorn worker, without uvicorn's own proxy handling and banner.

    ``proxy_headers=False``: the peer address stays the socket's, whatever a client
    writes in ``X-Forwarded-For``; the app decides which proxies to believe
    (``NEXUS_TRUSTED_PROXIES``, ``core.http.net``). ``server_header=False``: no
    ``Server: uvicorn``.
    """

    CONFIG_KWARGS: dict[str, Any] = {
        **_UvicornWorker.CONFIG_KWARGS,
        "proxy_headers": False,
        "server_header": False,
    }
