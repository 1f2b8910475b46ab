"""infra/nginx.conf run by the nginx on this machine (tests/infra/test_proxy_exercise.py
in front of stand-in backends, tests/infra/test_topology.py in front of the real roles).

Only what ties the config to compose is rewritten for a run: listen ports, upstream
addresses (compose service names), the user, the mime.types include and the temporary
paths; on an nginx older than 1.27.3 (Debian 12's 1.22), the README's fallback too: no
`resolve` on the upstream servers. Without an nginx binary the caller is skipped (the
config is still checked statically by test_infra_consistency.py; under CI a skip fails
the run).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.core.live_servers import free_port
from tests.helpers.processes import stop
from tests.infra.test_infra_consistency import APP_PORT, NGINX_CONF

TEMP_PATH_DIRECTIVES = {
    "client-body": "client_body_temp_path",
    "proxy": "proxy_temp_path",
    "fastcgi": "fastcgi_temp_path",
    "uwsgi": "uwsgi_temp_path",
    "scgi": "scgi_temp_path",
}


def nginx_binary() -> str:
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if binary is None:
        pytest.skip(
            "no nginx binary on this machine (PATH, /usr/sbin): the proxy config is "
            "checked statically only (tests/infra/test_infra_consistency.py)"
        )
    return binary


def nginx_version(binary: str) -> tuple[int, int, int]:
    version = subprocess.run([binary, "-v"], capture_output=True, text=True, check=True).stderr
    found = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", version)
    assert found, version
    major, minor, patch = map(int, found.groups())
    return major, minor, patch


# `resolve` on an upstream server (re-resolve the name while running) is in open-source
# nginx since 1.27.3; Debian 12 ships 1.22. The README's fallback for an older nginx:
# drop the parameter from the upstream servers, nothing else.
UPSTREAM_RESOLVE_SINCE = (1, 27, 3)


def without_upstream_resolve(text: str) -> str:
    """The README's fallback for an nginx before 1.27.3: each upstream `server` line
    without its `resolve` parameter (the name is then resolved once, at start)."""
    return re.sub(r"(?m)^([ \t]*server[ \t]+[^;\s{]+[^;\n]*?)[ \t]+resolve(?=[\s;])", r"\1", text)


def runnable_config(
    binary: str, workdir: Path, edge_port: int, health_port: int, upstreams: dict[str, int]
) -> str:
    """infra/nginx.conf with only its ties to compose and the image replaced."""
    text = NGINX_CONF.read_text()
    # The image's user; as root here run the workers as root, else nginx ignores it.
    user = "user root;" if os.geteuid() == 0 else ""
    text, count = re.subn(r"(?m)^user\s+[^;]+;", user, text)
    assert count == 1
    text, count = re.subn(r"(?m)^(\s*)listen\s+8000;", rf"\1listen 127.0.0.1:{edge_port};", text)
    assert count == 1, "the edge server listens on 8000"
    text, count = re.subn(
        r"(?m)^(\s*)listen\s+127\.0\.0\.1:8080;", rf"\1listen 127.0.0.1:{health_port};", text
    )
    assert count == 1
    for service, port in upstreams.items():
        # The address only: the server's parameters (resolve) stay as written.
        text, count = re.subn(
            rf"(?m)^(\s*server\s+){service}:{APP_PORT}(?=[\s;])",
            rf"\g<1>127.0.0.1:{port}",
            text,
        )
        assert count == 1, f"one upstream server {service}:{APP_PORT}"
    if nginx_version(binary) < UPSTREAM_RESOLVE_SINCE:
        text = without_upstream_resolve(text)
    text, count = re.subn(r"(?m)^\s*include\s+/etc/nginx/mime\.types;", "", text)
    assert count == 1
    # Temporary files under workdir: the build's defaults (/var/lib/nginx/...) may not
    # be writable here.
    configured = subprocess.run([binary, "-V"], capture_output=True, text=True, check=True).stderr
    temp_paths = "".join(
        f"    {directive} {workdir / name};\n"
        for name, directive in TEMP_PATH_DIRECTIVES.items()
        if f"--http-{name}-temp-path=" in configured
    )
    return text.replace("http {\n", "http {\n" + temp_paths, 1)


@dataclass
class Proxy:
    port: int  # the edge (compose publishes 8000)
    health_port: int  # the proxy's own /healthz (127.0.0.1:8080 in the image)
    process: subprocess.Popen


@contextmanager
def running_nginx(workdir: Path, upstreams: dict[str, int]) -> Iterator[Proxy]:
    """nginx on infra's config under ``workdir``, sending each compose service of
    ``upstreams`` (name: port on 127.0.0.1) where it listens; stopped on exit."""
    binary = nginx_binary()
    edge_port, health_port = free_port(), free_port()
    config = workdir / "nginx.conf"
    config.write_text(runnable_config(binary, workdir, edge_port, health_port, upstreams))
    command = [binary, "-p", str(workdir), "-c", str(config)]
    if nginx_version(binary) >= (1, 19, 5):
        command += ["-e", "stderr"]  # not the build's log path, before the config is read
    command += ["-g", f"daemon off; pid {workdir / 'nginx.pid'};"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    log = (workdir / "nginx.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", edge_port)) == 0:
                    break
            assert process.poll() is None, (workdir / "nginx.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.05)
        yield Proxy(edge_port, health_port, process)
    finally:
        stop(process)
        log.close()
