"""Several live servers (tests/core/live_servers.py) with different environments,
started side by side and stopped quickly."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from tests.core.live_servers import Server, start_servers


@contextmanager
def live_servers(
    specs: dict[str, tuple[str, dict[str, str]]], tmp: Path
) -> Iterator[dict[str, Server]]:
    """``specs``: a name -> (kind, extra environment). Yields the servers by name."""
    for name in specs:
        (tmp / name).mkdir(parents=True, exist_ok=True)
    runs = {name: start_servers(tmp / name, [kind], env) for name, (kind, env) in specs.items()}
    servers: dict[str, Server] = {}
    try:
        with ThreadPoolExecutor(len(runs)) as pool:
            started = {name: pool.submit(next, run) for name, run in runs.items()}
            for name, future in started.items():
                servers[name] = future.result()[specs[name][0]]
        yield servers
    finally:
        for server in servers.values():
            # gunicorn's quick shutdown for the gthread workers (a graceful one waits for
            # idle keep-alive connections); uvicorn workers stop on the SIGTERM below.
            if server.kind == "gunicorn-wsgi" and server.process.poll() is None:
                server.process.send_signal(signal.SIGQUIT)
        for run in runs.values():
            run.close()
