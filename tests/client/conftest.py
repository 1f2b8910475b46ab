"""Fixtures for the frontend integration kit (clients/, docs/frontend.md).

Node-based checks run when Node and npm are on PATH and clients/typescript's locked
packages are installed; without them they skip, saying how to install Node (the issue
asks for the type check "when Node is present") or the packages. `npm ci` runs before
the session, never in it: `make test` runs `make client-deps` first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "typescript"
NODE_INSTALL = (
    "install Node.js 20+ and npm (e.g. `apt-get install -y nodejs npm`), "
    "then `make client` regenerates and checks the kit"
)


def node_tools() -> tuple[str, str] | None:
    node, npm = shutil.which("node"), shutil.which("npm")
    return (node, npm) if node and npm else None


def run(args: list[str], *, cwd: Path = CLIENT, timeout: float = 120, **env: str):
    """Run a command; fail the test with its output if it does not exit 0."""
    result = subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(args)}` exited {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


@pytest.fixture(scope="session")
def node() -> str:
    """The node executable, with clients/typescript's packages installed (by `make
    client-deps`, outside the session: two xdist workers must not both run `npm ci`)."""
    tools = node_tools()
    if tools is None:
        pytest.skip(f"Node.js is not installed: {NODE_INSTALL}")
    if not (CLIENT / "node_modules" / ".package-lock.json").exists():
        pytest.skip(
            "clients/typescript's packages are not installed: run `make client-deps` "
            "(npm ci, as `make test` does before the session)"
        )
    return tools[0]


def bin_of(name: str) -> str:
    return str(CLIENT / "node_modules" / ".bin" / name)


FRONTEND_ORIGIN = "http://localhost:5173"


@pytest.fixture(scope="session")
def app_server(django_db_setup, tmp_path_factory):
    """`make run`'s uvicorn (tests/core/live_servers.py) on the test database, with an
    auth throttle that lets the client sign in a few times (live_servers sets 3/min) and
    a frontend origin allowed by CORS, for the tests that need users of their own or a
    configured origin. Tests that use it must commit what it should see: mark them
    ``django_db(transaction=True)``. The docs' examples and newman run against
    ``make_run_server`` instead (tests/core/make_run.py): what a newcomer gets."""
    from tests.core.live_servers import start_servers

    with contextlib.contextmanager(start_servers)(
        tmp_path_factory.mktemp("kit"),
        kinds=("uvicorn",),
        env={"THROTTLE_AUTH": "100/min", "CORS_ALLOWED_ORIGINS": FRONTEND_ORIGIN},
    ) as servers:
        yield servers["uvicorn"]


def base_url(server) -> str:
    return f"http://127.0.0.1:{server.port}"
