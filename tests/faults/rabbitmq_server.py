"""A RabbitMQ node the test owns: its own node name, port, distribution port, data and
log directories (under the test's tmp), no plugins (the management one off), started
and stopped by the test; the system's RabbitMQ (5672) is not touched.

``crash`` kills the node (SIGKILL, no shutdown: what a host or VM loss does);
``start`` again brings the same node back on the same port with its data, so durable
queues come back with the persistent messages they held.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import amqp
import pytest

from tests.core.live_servers import free_port

# The server script itself: Debian's /usr/sbin/rabbitmq-server re-runs it as the
# rabbitmq user, who cannot write the test's directories.
SCRIPT = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")


class RabbitNode:
    def __init__(self, workdir: Path) -> None:
        script = SCRIPT if SCRIPT.exists() else shutil.which("rabbitmq-server")
        if script is None:
            pytest.fail("rabbitmq-server is not installed (apt-get install -y rabbitmq-server)")
        self.script = str(script)
        self.workdir = workdir
        self.port, self.dist_port = free_port(), free_port()
        self.name = f"nexus-faults-{os.getpid()}-{self.port}@localhost"
        self.log = workdir / "node.log"
        self.process: subprocess.Popen | None = None
        self.started_in: list[float] = []  # seconds each start took, until it took a client
        (workdir / "home").mkdir(parents=True, exist_ok=True)
        # Empty: neither /etc/rabbitmq/rabbitmq-env.conf (its NODENAME) nor
        # /etc/rabbitmq/rabbitmq.conf (its listener on 5672) applies to this node.
        (workdir / "rabbitmq-env.conf").write_text("")
        (workdir / "rabbitmq.conf").write_text("")
        (workdir / "enabled_plugins").write_text("[].\n")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def environment(self) -> dict[str, str]:
        own = self.workdir
        return {
            **os.environ,
            "HOME": str(own / "home"),  # its Erlang cookie
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONF_ENV_FILE": str(own / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(own / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(own / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(own / "mnesia"),
            "RABBITMQ_LOG_BASE": str(own / "log"),
            "RABBITMQ_PID_FILE": str(own / "node.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def start(self, timeout: float = 60.0) -> RabbitNode:
        assert self.process is None, "already running"
        started = time.monotonic()
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                [self.script],
                env=self.environment(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: ``crash`` kills the VM with it
            )
        while time.monotonic() < started + timeout:
            if self.process.poll() is not None:
                break
            if self._takes_clients():
                self.started_in.append(time.monotonic() - started)
                return self
            time.sleep(0.1)
        self.crash()
        pytest.fail(f"RabbitMQ node {self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def crash(self) -> None:
        """SIGKILL the node (the script and its Erlang VM): no shutdown, no flush."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # gone already
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None
        self._wait_closed()

    def stop(self) -> None:
        """A clean shutdown (the script turns SIGTERM into one)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None
        self._wait_closed()

    def _port_open(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def _takes_clients(self) -> bool:
        """Whether an AMQP client can open a connection (one try, no retries)."""
        if not self._port_open():
            return False
        client = amqp.Connection(f"127.0.0.1:{self.port}", connect_timeout=1)
        try:
            client.connect()
        except (OSError, amqp.exceptions.AMQPError):
            return False
        client.close()
        return True

    def _wait_closed(self) -> None:
        """Until the port is closed: the VM is gone, not just the script."""
        deadline = time.monotonic() + 10
        while self._port_open() and time.monotonic() < deadline:
            time.sleep(0.05)

    def messages(self, queue: str) -> tuple[int, int]:
        """The messages ``queue`` holds: (ready, delivered and not yet acknowledged), as
        the node's own ``rabbitmqctl`` reports them."""
        ctl = str(Path(self.script).with_name("rabbitmqctl"))
        listed = subprocess.run(
            [
                ctl,
                "-q",
                "-n",
                self.name,
                "list_queues",
                "name",
                "messages_ready",
                "messages_unacknowledged",
            ],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        for line in listed.splitlines():
            name, ready, unacknowledged = line.split("\t")
            if name == queue:
                return int(ready), int(unacknowledged)
        raise AssertionError(f"no queue {queue} on {self.name}:\n{listed}")
