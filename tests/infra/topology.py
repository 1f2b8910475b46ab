"""The production topology of infra/, started natively on this machine (no containers):
the image's roles with compose's commands and environment, behind nginx on infra's
config, on this machine's PostgreSQL, Redis and RabbitMQ.

What is taken as written, and what is rewritten for a run here:

- the commands are compose's (``migrate``, ``web``, ``stream``, ``worker``, ``beat``)
  run by this interpreter (``python -m gunicorn`` for ``gunicorn``), with only the
  addresses rewritten: the web and stream roles listen on 127.0.0.1 at ports picked
  free now, beat keeps its schedule file under the run's directory, and the worker's
  node name is this run's (``celery@%h`` would be shared with any other worker here);
- the environment is the image's ``ENV`` (its ``/app`` paths moved to this checkout and
  the run's directory) and compose's, interpolated as compose would from the variables
  an operator sets (a fresh secret key; ``DJANGO_SECURE_SSL_REDIRECT=false``, compose's
  own advice for plain HTTP; the edge subnet is loopback, where nginx connects from);
  then the three service URLs point at the test database, the suite's Redis database and
  its RabbitMQ, with a cache prefix, stream channel prefix and queue names of this run;
- what the image build and compose's one-shot service do, before the roles that need
  it: ``collectstatic`` (the image bakes the static files in) and ``migrate``; beat,
  which reads no database, starts at once, as Kubernetes starts it.

``Topology.kill_worker`` SIGKILLs the worker's whole process group (a container killed
outright: the main process and its pool) and ``start_worker`` starts it again;
``freeze_pool`` and ``thaw_pool`` hold the pool still meanwhile, so that a test knows
where a task is when the worker dies.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from tests.core.live_servers import database_url, free_port
from tests.helpers.processes import stop_all
from tests.infra.proxy import Proxy, running_nginx
from tests.infra.test_infra_consistency import (
    ROOT,
    env_assignments,
    final_stage,
    service,
    service_env,
)

T = TypeVar("T")
HTTP_ROLES = ("web", "stream")
START_SECONDS = 60.0
# What an operator's shell (or infra/.env) gives compose, besides the secret key.
OPERATOR_VARIABLES = {
    # compose's advice for browsing over plain HTTP; nginx speaks HTTP here.
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    # The network the proxy reaches web and stream on: here, loopback.
    "NEXUS_EDGE_SUBNET": "127.0.0.1/32",
    # Required by compose's URLs, which the run replaces whole (service_urls below).
    "POSTGRES_PASSWORD": "unused-the-url-is-replaced",
    "RABBITMQ_PASSWORD": "unused-the-url-is-replaced",
}
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """A compose value with ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?message}``
    replaced as compose replaces them (and ``$$`` read as ``$``)."""

    def one(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"]
        given = variables.get(name, "")
        if op == ":?" and not given:
            raise AssertionError(f"compose requires {name}: {arg}")
        return given or (arg if op == ":-" else "")

    return _VARIABLE.sub(one, value)


def image_environment(workdir: Path) -> dict[str, str]:
    """The image's ENV with its paths moved: the code is this checkout, /app/var the
    run's directory; PATH stays this machine's (the roles run this interpreter)."""
    env = env_assignments(final_stage())
    env.pop("PATH")
    return {
        name: value.replace("/app/var", str(workdir)).replace("/app/", f"{ROOT}/")
        for name, value in env.items()
    }


def role_environment(
    name: str, workdir: Path, variables: Mapping[str, str], isolation: str
) -> dict[str, str]:
    """The image's and compose's environment of the service ``name``; then this machine's
    services as the test session reaches them, and the run's own names (its database
    connections carry the role's name: pg_stat_activity tells them apart)."""
    from django.conf import settings

    composed = {key: interpolate(value, variables) for key, value in service_env(name).items()}
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(workdir)),
        "LANG": "C.UTF-8",
        **image_environment(workdir),
        **composed,
        "DATABASE_URL": f"{database_url()}?application_name={isolation}-{name}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CACHE_KEY_PREFIX": isolation,
        "STREAMS_CHANNEL_PREFIX": isolation,
        "CELERY_TASK_DEFAULT_QUEUE": isolation,
        "SOCIAL_FANOUT_QUEUE": f"{isolation}-social-fanout",
    }


def role_command(name: str, *, port: int, workdir: Path, node: str) -> list[str]:
    """Compose's command for the service ``name``, with only its addresses rewritten."""
    words = [str(word) for word in service(name)["command"]]
    program, arguments = words[0], words[1:]
    runner = [sys.executable] if program == "python" else [sys.executable, "-m", program]

    def replace(flag: str, value: str) -> None:
        index = arguments.index(flag) + 1
        arguments[index] = value

    if name == "web":
        # The bind comes from infra/gunicorn.conf.py (0.0.0.0:8000); the command line wins.
        arguments[-1:-1] = ["--bind", f"127.0.0.1:{port}"]
    elif name == "stream":
        replace("--host", "127.0.0.1")
        replace("--port", str(port))
    elif name == "worker":
        replace("--hostname", node)
    elif name == "beat":
        replace("--schedule", str(workdir / "celerybeat-schedule"))
    return runner + arguments


@dataclass
class Role:
    name: str
    process: subprocess.Popen
    log: Path
    port: int = 0

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Topology:
    workdir: Path
    proxy: Proxy
    env: dict[str, dict[str, str]]  # each role's environment
    roles: dict[str, Role] = field(default_factory=dict)
    worker_runs: list[Role] = field(default_factory=list)  # every worker started, in order

    @property
    def url(self) -> str:
        """The edge: the only address the flow talks to."""
        return f"http://127.0.0.1:{self.proxy.port}"

    # --- the roles ----------------------------------------------------------------------

    def start(self, name: str, port: int = 0) -> Role:
        """Start the role ``name`` (without waiting for it); a worker again after a kill."""
        log = self.workdir / f"{name}.log"
        if name == "worker":
            log = self.workdir / f"worker-{len(self.worker_runs) + 1}.log"
        node = f"topology-{os.getpid()}@%h"
        command = role_command(name, port=port, workdir=self.workdir, node=node)
        with log.open("w") as output:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env[name],
                stdout=output,
                stderr=subprocess.STDOUT,
                # Its own process group: the worker is killed with its pool, as a
                # container is; a terminal's Ctrl-C goes to pytest, whose teardown stops it.
                start_new_session=True,
            )
        role = Role(name, process, log, port)
        self.roles[name] = role
        if name == "worker":
            self.worker_runs.append(role)
        return role

    def start_worker(self) -> Role:
        role = self.start("worker")
        wait_ready([role], self, time.monotonic() + START_SECONDS)
        return role

    def pool_pids(self) -> list[int]:
        """The worker's pool processes (its main process's children)."""
        main = self.roles["worker"].process.pid
        children: list[int] = []
        for task in Path(f"/proc/{main}/task").iterdir():
            children += [int(pid) for pid in (task / "children").read_text().split()]
        assert children, "the worker has no pool processes"
        return children

    def freeze_pool(self) -> None:
        """SIGSTOP the pool: the main process still takes deliveries from the broker and
        hands them on, and none of them starts."""
        for pid in self.pool_pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw_pool(self) -> None:
        for pid in self.pool_pids():
            os.kill(pid, signal.SIGCONT)

    def connection_name(self, role: str) -> str:
        """The application_name of ``role``'s database connections."""
        return urlsplit(self.env[role]["DATABASE_URL"]).query.removeprefix("application_name=")

    def kill_worker(self) -> None:
        """SIGKILL the worker's process group: no shutdown, no acknowledgement."""
        process = self.roles["worker"].process
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_ready(roles: list[Role], topology: Topology, deadline: float) -> None:
    """Each role as compose's health checks see it: web and stream answer
    /health/live/, the worker has said it is ready, beat has opened its schedule."""
    waiting = list(roles)
    while waiting:
        for role in list(waiting):
            if role.process.poll() is not None:
                raise AssertionError(f"{role.name} exited:\n{role.output()[-4000:]}")
            if _is_ready(role, topology):
                waiting.remove(role)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(role.name for role in waiting)
            tails = "\n".join(f"--- {r.name}\n{r.output()[-2000:]}" for r in waiting)
            raise AssertionError(f"not ready within {START_SECONDS:.0f} s: {names}\n{tails}")
        time.sleep(0.1)


def _is_ready(role: Role, topology: Topology) -> bool:
    if role.name in HTTP_ROLES:
        try:
            response = httpx.get(f"http://127.0.0.1:{role.port}/health/live/", timeout=2)
        except httpx.TransportError:
            return False
        return response.status_code == 200
    if role.name == "worker":
        return " ready." in role.output()
    return any(topology.workdir.glob("celerybeat-schedule*"))


def run_one_shot(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def delete_queues(broker_url: str, queues: tuple[str, ...]) -> None:
    """Delete this run's queues (the worker declares them again as it starts): nothing
    left from an earlier run reaches this one's worker, and nothing stays behind."""
    from kombu import Connection

    with Connection(broker_url, connect_timeout=5) as connection:
        channel = connection.default_channel
        for name in queues:
            channel.queue_delete(name)


@contextmanager
def running_topology(workdir: Path, *, isolation: str) -> Iterator[Topology]:
    """Start everything, wait until each role is ready, yield; stop it all. ``isolation``
    names this run's cache and stream channel prefix and its queues (the database is
    the one pytest-django created)."""
    from django.conf import settings

    variables = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **OPERATOR_VARIABLES}
    env = {
        name: role_environment(name, workdir, variables, isolation)
        for name in ("migrate", *HTTP_ROLES, "worker", "beat")
    }
    assert urlsplit(env["web"]["DATABASE_URL"]).path.startswith("/test_"), "a test database only"
    queues = (env["worker"]["CELERY_TASK_DEFAULT_QUEUE"], env["worker"]["SOCIAL_FANOUT_QUEUE"])
    delete_queues(settings.CELERY_BROKER_URL, queues)

    # The image build's collectstatic and the one-shot migrate, side by side.
    collect = run_one_shot(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env["migrate"],
        workdir / "collectstatic.log",
    )
    migrate_command = role_command("migrate", port=0, workdir=workdir, node="")
    migrate = run_one_shot(migrate_command, env["migrate"], workdir / "migrate.log")
    ports = {name: free_port() for name in HTTP_ROLES}
    roles: dict[str, Role] = {}
    with ExitStack() as stack:
        # Stopped after nginx (the callbacks run last in, first out): by then no proxy
        # connection is kept alive to hold gunicorn's graceful shutdown.
        stack.callback(_stop, roles)
        stack.callback(stop_all, [collect, migrate])
        proxy = stack.enter_context(running_nginx(workdir, ports))
        topology = Topology(workdir, proxy, env, roles)
        # Beat reads no database: Kubernetes starts it at once (no wait-for-migrations
        # init container, infra/k8s/50-*), and its schedule's clock starts with it.
        topology.start("beat")
        # The other roles once migrate has exited 0 (compose's depends_on, Kubernetes'
        # init containers); the web role also serves the static files, which the image
        # has collected before anything runs.
        finish(migrate, workdir / "migrate.log")
        for name in ("worker", "stream"):
            topology.start(name, ports.get(name, 0))
        finish(collect, workdir / "collectstatic.log")
        topology.start("web", ports["web"])
        wait_ready(list(roles.values()), topology, time.monotonic() + START_SECONDS)
        yield topology
    delete_queues(settings.CELERY_BROKER_URL, queues)


def finish(process: subprocess.Popen, log: Path) -> None:
    assert process.wait(timeout=120) == 0, log.read_text()[-4000:]


def _stop(roles: dict[str, Role]) -> None:
    stop_all(role.process for role in roles.values())
    for role in roles.values():
        # Whatever a role left in its group (a worker's pool frozen by a failed test).
        with suppress(ProcessLookupError):
            os.killpg(role.process.pid, signal.SIGKILL)


def until(fetch: Callable[[], T], check: Callable[[T], bool], timeout: float = 30.0) -> T:
    """``fetch()`` again every tenth of a second until ``check`` accepts it; returns it.
    Fails with the last value seen after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout:.0f} s")
        time.sleep(0.1)
