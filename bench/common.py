"""The plumbing every benchmark shares: databases and their seed versions, servers,
wrk, the comparison of an endpoint with its ceiling, and the results table.

The domain runners (bench/*_run.py) keep only their scenarios; bench/all_run.py
(``make bench``) runs them all in one go through the functions here.

Seed versions: each domain records, in a ``bench_seed`` table of its own database,
the version of the seed that filled it (a fingerprint of the seed script and the
code it calls, plus a tag to bump by hand) and the scale asked for. A run reuses a
database whose records match; otherwise it drops that database (only ever a
``nexus_bench*`` one) and seeds it again, every domain that lives in it.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import math
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
OUT = BENCH / "out"
REPORT_LUA = BENCH / "report.lua"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "nexus_bench"
RAISED = "100000000/min"  # every throttle, so that none refuses the load

SERVERS = {
    "asgi": ["config.asgi:application", "-k", "config.workers.UvicornWorker"],
    "wsgi": ["config.wsgi:application", "-k", "gthread", "--threads", "4"],
}


# --- environment and databases ----------------------------------------------------------


def physical(database: str) -> str:
    """The name a bench database has on the server: its own, plus
    ``BENCH_DATABASE_SUFFIX`` (for a trial of the harness beside someone else's bench
    databases on a shared server: ``harness`` makes ``nexus_bench`` ``nexus_benchharness``)."""
    return database + os.environ.get("BENCH_DATABASE_SUFFIX", "")


def database_url(database: str) -> str:
    """A bench database on the local server; ``BENCH_DATABASE_URL`` may move the
    default one (``nexus_bench``) elsewhere."""
    if database == DATABASE_PREFIX and os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    return f"postgres://postgres@127.0.0.1:5432/{physical(database)}"


def throttle_names() -> set[str]:
    """Every throttle rate the settings read from the environment."""
    names: set[str] = set()
    for module in (ROOT / "src" / "config" / "settings").glob("*.py"):
        names |= set(re.findall(r"env\(\s*\"(THROTTLE_[A-Z0-9_]+)\"", module.read_text()))
    return names


def server_env(
    database: str,
    *,
    server: str = "wsgi",
    settings: str = "config.settings.production",
    cache_prefix: str = "nexus-bench",
    queue: str = "nexus-bench",
    **extra: str,
) -> dict[str, str]:
    """The environment of a bench server (production settings, or a bench settings
    module in bench/ that adds ceiling views) and of the seed scripts."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{BENCH}",
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(database),
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": cache_prefix,
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "LOG_LEVEL": "WARNING",
        "DJANGO_STATIC_ROOT": str(OUT / "static"),
        # Under ASGI, Django's per-thread persistent connections are not reused: pool them.
        "DATABASE_POOL": "true" if server == "asgi" else "false",
    }
    env.update(dict.fromkeys(throttle_names(), RAISED))
    env.update(extra)
    return env


def domain_env(domain: str, database: str, server: str = "wsgi", **extra: str) -> dict[str, str]:
    """A domain runner's server environment: its bench settings (bench/<domain>_settings.py,
    the product's URLs plus its ceilings), its own cache prefix and task queue."""
    return server_env(
        database,
        server=server,
        settings=f"{domain}_settings",
        cache_prefix=f"nexus-bench-{domain}",
        queue=f"nexus-bench-{domain}",
        **extra,
    )


def manage_env(env: dict[str, str]) -> dict[str, str]:
    """The same environment with the product's settings (for manage.py and seeds)."""
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"}


def _guard(database: str) -> None:
    if not database.startswith(DATABASE_PREFIX):
        raise ValueError(f"{database!r} is not a bench database ({DATABASE_PREFIX}*)")


def psql(database: str, sql: str, params: Iterable | dict | None = None) -> list[tuple]:
    import psycopg

    url = database_url(database).replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as db:
        cursor = db.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def database_exists(database: str) -> bool:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as db:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        return db.execute(query, [physical(database)]).fetchone() is not None


def ensure_database(env: dict[str, str], database: str) -> None:
    """Create ``database`` if missing, migrate it and collect the static files."""
    import psycopg

    _guard(database)
    if not database_exists(database):
        with psycopg.connect(ADMIN_URL, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{physical(database)}"')
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(  # noqa: S603
            [sys.executable, str(ROOT / "manage.py"), *command, "-v", "0"],
            env=manage_env(env),
            check=True,
            cwd=ROOT,
        )


def drop_database(database: str) -> None:
    """Drop a bench database (never any other), closing its connections first."""
    import psycopg

    _guard(database)
    with psycopg.connect(ADMIN_URL, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{physical(database)}" WITH (FORCE)')


def run_script(script: str, args: Iterable[str], env: dict[str, str]) -> str:
    """Run a bench/ script with ``env``; its standard output (progress goes to stderr)."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(BENCH / script), *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return result.stdout


def script_seed(script: str, *args: str) -> Callable[[dict[str, str]], dict]:
    """A seed that runs a bench/ script with the product's settings and returns the
    JSON object it prints last."""

    def seed(env: dict[str, str]) -> dict:
        return last_json(run_script(script, args, manage_env(env)))

    return seed


def last_json(output: str) -> dict:
    """The last line of a script's output that is a JSON object."""
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError(f"no JSON line in {output[-300:]!r}")


def vacuum_analyze(*tables: str) -> None:
    """``VACUUM (ANALYZE)`` the tables a seed filled, on Django's connection (a seed
    script's last step; autocommit, as VACUUM runs outside a transaction).

    A fresh bulk load has no statistics, no hint bits and no visibility map: the first
    reads of each page would write it, the plans would be the planner's guesses and an
    index-only scan would visit the heap; and any row a seed rewrote leaves a dead
    version in every index until autovacuum comes. A table in service is vacuumed."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


# --- seed versions ----------------------------------------------------------------------

SEED_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bench_seed (
    domain text PRIMARY KEY,
    version text NOT NULL,
    params jsonb NOT NULL,
    info jsonb NOT NULL,
    seconds double precision NOT NULL,
    seeded_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass
class SeedSpec:
    """How a domain fills its database. ``seed(env)`` returns what the runs need (one
    JSON object, stored with the version and returned again when the data is reused);
    ``refresh(env, info)``, if set, runs on reuse too (tokens that expire, say)."""

    domain: str
    database: str
    sources: list[str]  # files (from the repository root) whose change means a new seed
    params: dict
    seed: Callable[[dict[str, str]], dict]
    env: dict[str, str]
    tag: str = "1"  # bump by hand to force a new seed without touching the sources
    refresh: Callable[[dict[str, str], dict], dict] | None = None

    def version(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.sources):
            digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
        return f"{self.tag}-{digest.hexdigest()[:12]}"


def reuse_decision(recorded: dict | None, version: str, params: dict) -> tuple[bool, str]:
    """Whether data recorded as ``recorded`` (None: no record) can serve a run that asks
    for seed ``version`` at ``params``; and why, in words."""
    if recorded is None:
        return False, "no seed recorded"
    if recorded["version"] != version:
        return False, f"seed version {recorded['version']} != {version}"
    if recorded["params"] != params:
        return False, f"seeded with {recorded['params']}, asked for {params}"
    return True, f"seed {version} reused"


def read_seeds(database: str) -> dict[str, dict]:
    """The seed records of a database ({} if it or its table is missing)."""
    if not database_exists(database):
        return {}
    if psql(database, "SELECT to_regclass('bench_seed')")[0][0] is None:
        return {}
    rows = psql(database, "SELECT domain, version, params, info, seconds FROM bench_seed")
    return {
        domain: {"version": version, "params": params, "info": info, "seconds": seconds}
        for domain, version, params, info, seconds in rows
    }


def record_seed(spec: SeedSpec, info: dict, seconds: float) -> None:
    psql(spec.database, SEED_TABLE_SQL)
    psql(
        spec.database,
        "INSERT INTO bench_seed (domain, version, params, info, seconds) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (domain) DO UPDATE SET "
        "version = excluded.version, params = excluded.params, info = excluded.info, "
        "seconds = excluded.seconds, seeded_at = now()",
        [spec.domain, spec.version(), json.dumps(spec.params), json.dumps(info), seconds],
    )


def prepare(specs: list[SeedSpec], log: Callable[[str], None] = print) -> dict[str, dict]:
    """Make every spec's database ready: reuse it when all the domains seeded into it
    match, else drop it and seed them all again. Returns each domain's info plus
    ``_seed``: what happened (reused or seeded, the reason, the seconds it took)."""
    infos: dict[str, dict] = {}
    by_database: dict[str, list[SeedSpec]] = {}
    for spec in specs:
        by_database.setdefault(spec.database, []).append(spec)
    for database, group in by_database.items():
        records = read_seeds(database)
        decisions = {
            s.domain: reuse_decision(records.get(s.domain), s.version(), s.params) for s in group
        }
        reuse = all(ok for ok, _ in decisions.values())
        if not reuse and records:
            log(f"{physical(database)}: {decisions}; dropping it to seed again")
            drop_database(database)
        ensure_database(group[0].env, database)
        for spec in group:
            ok, reason = decisions[spec.domain]
            started = time.perf_counter()
            if reuse:
                info = records[spec.domain]["info"]
                if spec.refresh is not None:
                    info = spec.refresh(spec.env, info)
                seconds = records[spec.domain]["seconds"]
            else:
                if ok:
                    reason = f"seeded again with the rest of {physical(database)}"
                log(f"{spec.domain}: seeding {physical(database)} ({reason})")
                info = spec.seed(spec.env)
                seconds = time.perf_counter() - started
                record_seed(spec, info, seconds)
                reason = f"{reason}: seeded in {seconds:.0f} s"
            log(f"{spec.domain}: {reason}")
            infos[spec.domain] = {
                **info,
                "_seed": {"reused": reuse, "reason": reason, "seconds": round(seconds, 1)},
            }
    return infos


# --- servers ----------------------------------------------------------------------------


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def port_busy(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start_gunicorn(
    server: str, env: dict[str, str], port: int, workers: int = 2
) -> subprocess.Popen:
    """gunicorn as production runs it (SERVERS[server], 2 workers) on ``port``."""
    if port_busy(port):
        sys.exit(f"port {port} is busy")
    return subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            *SERVERS[server],
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
            *("--log-level", "warning"),
        ],
        env=env,
        cwd=ROOT,
    )


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


def worker_rss_mib(master: int) -> float | None:
    """The largest RSS among a gunicorn master's workers, in MiB (the master's own
    RSS for a single-process server)."""
    sizes = []
    for pid in children(master) or [master]:
        with contextlib.suppress(OSError, RuntimeError):
            sizes.append(rss_kib(pid))
    return round(max(sizes) / 1024, 1) if sizes else None


@contextlib.contextmanager
def serving(server: str, env: dict[str, str], port: int):
    """A gunicorn on ``port`` that answers /health/live/, stopped afterwards."""
    process = start_gunicorn(server, env, port)
    try:
        wait_for(f"http://127.0.0.1:{port}/health/live/")
        yield process
    finally:
        stop(process)


def purge(queue: str) -> None:
    """Drop the tasks a run queued on ``queue`` (no worker consumes bench queues)."""
    from kombu import Connection

    try:
        with Connection(BROKER_URL, connect_timeout=5) as connection:
            connection.default_channel.queue_purge(queue)
    except Exception as error:  # a missing queue or broker is fine here
        print(f"could not purge {queue}: {error}", flush=True)


# --- the machine's load ---------------------------------------------------------------

QUIET_BELOW = 0.5  # the 1-minute load average a run waits for before its first round
QUIET_WAIT = 300.0  # seconds it waits at most
OTHERS_LIMIT = 1.0  # the most "load less the benchmark's own" a round may start at
# Shared services the benchmark drives the whole time (their runnable threads count as
# the benchmark's own while it runs): Redis, RabbitMQ, PostgreSQL's own processes.
SERVICES = ("redis-server", "beam.smp", "epmd", "erl_child_setup")


def read_loadavg() -> tuple[float, float, float]:
    """The kernel's 1-, 5- and 15-minute load averages."""
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return float(one), float(five), float(fifteen)


def format_load(averages: Iterable[float]) -> str:
    return " ".join(f"{value:.2f}" for value in averages)


def wait_for_quiet(
    read: Callable[[], tuple[float, float, float]] = read_loadavg,
    *,
    below: float = QUIET_BELOW,
    limit: float = QUIET_WAIT,
    every: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    log: Callable[[str], None] = print,
) -> dict:
    """Wait up to ``limit`` seconds for the 1-minute load average to fall below
    ``below``; then print the three averages. Returns {quiet, waited, averages}."""
    started = clock()
    averages = read()
    while averages[0] >= below and clock() - started < limit:
        sleep(min(every, max(0.0, limit - (clock() - started))))
        averages = read()
    waited = clock() - started
    quiet = averages[0] < below
    log(
        f"load average (1, 5, 15 min) {format_load(averages)} after waiting {waited:.0f} s "
        + ("(below" if quiet else "(still not below")
        + f" {below} for the 1-minute one)"
    )
    return {"quiet": quiet, "waited": round(waited, 1), "averages": list(averages)}


def _stat_fields(path: Path) -> tuple[str, list[str]]:
    head, rest = path.read_text().rsplit(")", 1)
    return head.split("(", 1)[1], rest.split()


def own_runnable(root: int | None = None, proc: Path = Path("/proc")) -> int:
    """How many threads of the benchmark are runnable or in uninterruptible sleep (what
    the load average counts) right now: the process tree of ``root`` (this process:
    servers, wrk, seeds), the PostgreSQL backends of the bench databases, and the
    shared services it drives (``SERVICES``, PostgreSQL's background processes)."""
    root = os.getpid() if root is None else root
    processes: dict[int, tuple[int, str, int, str]] = {}  # pid: ppid, name, threads, state
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            name, fields = _stat_fields(entry / "stat")
            processes[int(entry.name)] = (int(fields[1]), name, int(fields[17]), fields[0])
    count = 0
    for pid, (_, name, threads, state) in processes.items():
        if not _is_own(pid, name, root, processes, proc):
            continue
        if threads <= 1:
            count += state in ("R", "D")
            continue
        with contextlib.suppress(OSError):
            for task in (proc / str(pid) / "task").iterdir():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    count += _stat_fields(task / "stat")[1][0] in ("R", "D")
    return count


def _is_own(pid: int, name: str, root: int, processes: dict, proc: Path) -> bool:
    if name in SERVICES:
        return True
    if name == "postgres":
        try:
            command = (proc / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return False
        # A client's backend names its database and client address; the rest are the
        # server's own processes (writer, checkpointer, autovacuum...).
        return DATABASE_PREFIX in command or "(" not in command
    seen: set[int] = set()
    while pid > 1 and pid not in seen:
        if pid == root:
            return True
        seen.add(pid)
        pid = processes.get(pid, (0,))[0]
    return False


@dataclass
class RoundLoad:
    """The load at the start of a round: the kernel's 1-minute average, the share of it
    that is the benchmark's own (the same 1-minute average of its runnable threads), and
    the rest (another job)."""

    label: str
    load1: float
    own: float

    @property
    def others(self) -> float:
        return max(0.0, self.load1 - self.own)


class LoadWatch:
    """The 1-minute load at the start of every round, less the benchmark's own
    processes. A thread samples ``own()`` (runnable threads of the benchmark) every
    ``every`` seconds into an exponentially damped average with the kernel's 1-minute
    constant, so that it can be taken off the kernel's figure. ``read`` and ``own`` are
    replaceable (the tests feed them)."""

    def __init__(
        self,
        read: Callable[[], tuple[float, float, float]] = read_loadavg,
        own: Callable[[], int] = own_runnable,
        *,
        every: float = 2.0,
        limit: float = OTHERS_LIMIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.read, self.own, self.every, self.limit, self.clock = read, own, every, limit, clock
        self.own_load = 0.0
        self.at: float | None = None
        self.rounds: list[RoundLoad] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> float:
        """One sample of the benchmark's runnable threads into its 1-minute average."""
        now, runnable = self.clock(), self.own()
        if self.at is not None:
            decay = math.exp(-(now - self.at) / 60.0)
            self.own_load = self.own_load * decay + runnable * (1 - decay)
        self.at = now
        return self.own_load

    def round_started(self, label: str) -> RoundLoad:
        self.sample()
        entry = RoundLoad(label, self.read()[0], round(self.own_load, 2))
        self.rounds.append(entry)
        return entry

    def refused(self) -> list[RoundLoad]:
        """The rounds that started while another job loaded the machine."""
        return [entry for entry in self.rounds if entry.others > self.limit]

    def worst(self) -> RoundLoad | None:
        return max(self.rounds, key=lambda entry: entry.others, default=None)

    def start(self) -> LoadWatch:
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            with contextlib.suppress(Exception):  # a vanished process mid-scan, say
                self.sample()


LOAD: LoadWatch | None = None  # set by bench/all_run.py for a measured run


def round_started(label: str) -> None:
    """Every measurement round calls this at its start: the load watch, if one runs,
    records the load then."""
    if LOAD is not None:
        LOAD.round_started(label)


# --- HTTP clients -----------------------------------------------------------------------


class Client:
    """One kept-alive HTTP/1.1 connection, like one wrk connection, buyer or voter."""

    def __init__(self, base: str, token: str = "") -> None:
        parts = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        token: str = "",
        headers: dict | None = None,
    ) -> tuple[int, bytes]:
        token = token or self.token
        all_headers = {"Authorization": f"Bearer {token}"} if token else {}
        all_headers.update(headers or {})
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=data, headers=all_headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def get_json(self, url: str) -> dict:
        status, body = self.request("GET", path_of(url))
        if status != 200:
            raise RuntimeError(f"GET {url}: {status} {body[:300]!r}")
        return json.loads(body)


def path_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def fetch(url: str, token: str = "", body: str = "") -> tuple[float, dict]:
    """One request on a new connection: (milliseconds, decoded JSON body)."""
    request = urllib.request.Request(url, data=body.encode() if body else None)  # noqa: S310
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        decoded = json.loads(response.read())
    return (time.perf_counter() - started) * 1000, decoded


def post_json(url: str, body: dict) -> dict:
    return fetch(url, body=json.dumps(body))[1]


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (any order)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


# --- wrk --------------------------------------------------------------------------------

WRK_KEYS = ("requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")


def wrk_command(url: str, duration: float, connections: int, threads: int = 2) -> list[str]:
    threads = max(1, min(threads, connections))
    return [
        *("wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--timeout", "10s"),
        *("-s", str(REPORT_LUA), url),
    ]


def parse_wrk(stdout: str) -> dict:
    """The figures bench/report.lua prints as wrk's last line (one JSON object)."""
    figures = last_json(stdout)
    missing = [key for key in WRK_KEYS if key not in figures]
    if missing:
        raise ValueError(f"wrk report without {missing}: {figures}")
    return figures


def wrk(
    url: str,
    duration: float,
    connections: int,
    *,
    token: str = "",
    tokens_file: str = "",
    body: str = "",
    method: str = "",
    paths_file: str = "",
) -> dict:
    """wrk with bench/report.lua: a bearer token (or a random one of a file's lines per
    request), a JSON body (POST unless ``method`` says otherwise), the paths of a file's
    lines in turn (one per request) instead of the URL's."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    env = {
        **os.environ,
        "BENCH_TOKEN": token,
        "BENCH_TOKENS": tokens_file,
        "BENCH_BODY": body,
        "BENCH_METHOD": method or ("POST" if body else "GET"),
        "BENCH_PATHS": paths_file,
    }
    result = subprocess.run(  # noqa: S603
        wrk_command(url, duration, connections),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"wrk {url}: exit {result.returncode}: {result.stderr.strip()[:300]}")
    return parse_wrk(result.stdout)


@dataclass
class Target:
    """One URL to load with wrk, and how to call it (``paths_file``: paths on the URL's
    host to take in turn, one per request)."""

    url: str
    token: str = ""
    tokens_file: str = ""
    body: str = ""
    paths_file: str = ""

    def load(self, duration: float, connections: int) -> dict:
        return wrk(
            self.url,
            duration,
            connections,
            token=self.token,
            tokens_file=self.tokens_file,
            body=self.body,
            paths_file=self.paths_file,
        )


MEDIAN_KEYS = ("rps", "p50_ms", "p95_ms", "p99_ms")


def median_figures(runs: list[dict]) -> dict:
    """The medians of a target's rounds, with each round's requests/s in order
    (``rps_rounds``: what ``compared`` pairs with the ceiling's same round)."""
    return {
        **{key: statistics.median(run[key] for run in runs) for key in MEDIAN_KEYS},
        "rounds": len(runs),
        "rps_min": min(run["rps"] for run in runs),
        "rps_max": max(run["rps"] for run in runs),
        "rps_rounds": [run["rps"] for run in runs],
        "errors": sum(run["errors"] for run in runs),
    }


def round_order(names: list, round_: int) -> list:
    """The targets' order in a round: as given in even rounds, reversed in odd ones, so
    that neither an API nor its ceiling always runs first after the other's load."""
    return list(names) if round_ % 2 == 0 else list(reversed(names))


def interleaved(
    targets: dict[str, Target],
    *,
    rounds: int,
    duration: float,
    connections: Iterable[int] = (2, 16),
    warmup: float = 1,
    log: Callable[[str], None] = print,
) -> dict[tuple[str, int], dict]:
    """Every target at every connection count, ``rounds`` times in turn; the median of
    each, and each round's figure (``rps_rounds``). Within a round the targets run one
    after the other at one connection count before the next count, so an API and its
    ceiling at 16 connections are measured within seconds of each other (a pair), the
    order reversed every round. Each round's start is reported to the load watch
    (``LOAD``)."""
    runs: dict[tuple[str, int], list[dict]] = {}
    names = list(targets)
    levels = list(connections)
    for round_ in range(rounds):
        round_started(f"round {round_ + 1} of {rounds}: {', '.join(map(str, names))}")
        for conns in levels:
            for name in round_order(names, round_):
                target = targets[name]
                if round_ == 0 and warmup:
                    target.load(warmup, conns)  # caches, connections, plans
                figures = target.load(duration, conns)
                runs.setdefault((name, conns), []).append(figures)
                log(
                    f"  {round_ + 1} {name} c={conns}: {figures['rps']:.0f} req/s, "
                    f"p50 {figures['p50_ms']:.1f} ms, errors {figures['errors']}"
                )
    return {key: median_figures(figures) for key, figures in runs.items()}


def paired_ratios(api_rounds: list[float], ceiling_rounds: list[float]) -> list[float]:
    """The API's throughput over its ceiling's, round by round (a round with a zero
    ceiling is left out)."""
    if len(api_rounds) != len(ceiling_rounds):
        raise ValueError(f"{len(api_rounds)} API rounds against {len(ceiling_rounds)}")
    pairs = zip(api_rounds, ceiling_rounds, strict=True)
    return [api / ceiling for api, ceiling in pairs if ceiling]


def ratio_summary(ratios: list[float]) -> dict:
    """The median of paired ratios and their spread: {ratio, ratio_min, ratio_max, pairs}."""
    if not ratios:
        return {"ratio": None, "ratio_min": None, "ratio_max": None, "pairs": 0}
    return {
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "pairs": len(ratios),
    }


@dataclass
class Context:
    """What a domain's part of the full run is given: the measurement's length, the
    rounds, what the seeds returned (by domain), and where to log."""

    duration: float = 2.5
    rounds: int = 5
    infos: dict = field(default_factory=dict)
    log: Callable[[str], None] = print


# --- the one table ----------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: latency at low concurrency, throughput at high, the
    throughput as a share of the ceiling's in the same run, a worker's RSS after it."""

    domain: str
    scenario: str
    p50_ms: float | None
    p95_ms: float | None
    rps: float | None
    ratio: float | None = None
    rss_mib: float | None = None
    note: str = ""
    unit: str = "req/s"
    extra: dict = field(default_factory=dict)


def ratio(value: float | None, ceiling: float | None) -> float | None:
    if not value or not ceiling:
        return None
    return value / ceiling


def compared(
    domain: str,
    scenario: str,
    api: str | tuple,
    ceiling: str | tuple | list,
    figures: dict[tuple, dict],
    *,
    low: int = 2,
    high: int = 16,
    rss_mib: float | None = None,
    note: str = "",
) -> Row:
    """A table row from ``interleaved`` figures: p50/p95 at ``low`` connections,
    requests/s at ``high``, and the ratio to the ceiling at ``high``: the median of the
    rounds' paired ratios (each round's API over the same round's ceiling), with their
    spread (``extra``: ratio_min, ratio_max, pairs). Figures without rounds give the
    ratio of the medians. ``ceiling`` may be a list of kinds (several raw-SQL forms of
    the same read): the fastest of them at ``high`` (by its median) is the ceiling."""
    kinds = ceiling if isinstance(ceiling, list) else [ceiling]
    best = max(kinds, key=lambda kind: figures[(kind, high)]["rps"])
    errors = sum(figures[(kind, c)]["errors"] for kind in (api, *kinds) for c in (low, high))
    notes = [note] if note else []
    if len(kinds) > 1:
        label = best[-1] if isinstance(best, tuple) else best
        notes.append(f"ceiling: {label}, the fastest of {len(kinds)}")
    if errors:
        notes.append(f"{errors} errors")
    api_high, ceiling_high = figures[(api, high)], figures[(best, high)]
    if "rps_rounds" in api_high and "rps_rounds" in ceiling_high:
        summary = ratio_summary(paired_ratios(api_high["rps_rounds"], ceiling_high["rps_rounds"]))
    else:
        summary = {"ratio": ratio(api_high["rps"], ceiling_high["rps"]), "pairs": 0}
    return Row(
        domain=domain,
        scenario=scenario,
        p50_ms=figures[(api, low)]["p50_ms"],
        p95_ms=figures[(api, low)]["p95_ms"],
        rps=api_high["rps"],
        ratio=summary["ratio"],
        rss_mib=rss_mib,
        note="; ".join(notes),
        extra={
            "ceiling": best,
            "ceiling_rps": ceiling_high["rps"],
            "ceiling_p50_ms": figures[(best, low)]["p50_ms"],
            **{key: value for key, value in summary.items() if key != "ratio"},
        },
    )


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def ratio_cell(row: Row) -> str:
    """The ratio column: the median of the paired rounds and their spread (min-max)."""
    if row.ratio is None:
        return "—"
    low, high = row.extra.get("ratio_min"), row.extra.get("ratio_max")
    if low is None or high is None or not row.extra.get("pairs"):
        return f"{row.ratio:.0%}"
    return f"{row.ratio:.0%} ({low * 100:.0f}-{high * 100:.0f}%)"


def render_table(rows: list[Row], runs: dict[str, str] | None = None) -> str:
    """The Markdown table of a run. ``runs`` (a row's ``extra["run"]`` -> a short label)
    adds a column naming the run each row came from."""
    run_head, run_rule = ("| run ", "| --- ") if runs else ("", "")
    lines = [
        "| domain | scenario | p50 ms | p95 ms | throughput | ceiling throughput "
        f"| ratio to ceiling (median of paired rounds, min-max) | RSS per worker MiB {run_head}"
        "| notes |",
        f"| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: {run_rule}| --- |",
    ]
    for row in rows:
        throughput = "—" if row.rps is None else f"{row.rps:,.0f} {row.unit}"
        ceiling = row.extra.get("ceiling_rps")
        run_cell = f"| {runs.get(row.extra.get('run', ''), '—')} " if runs else ""
        lines.append(
            f"| {row.domain} | {row.scenario} | {_number(row.p50_ms)} | {_number(row.p95_ms)} "
            f"| {throughput} | {'—' if ceiling is None else f'{ceiling:,.0f}'} "
            f"| {ratio_cell(row)} | {_number(row.rss_mib)} {run_cell}| {row.note} |"
        )
    return "\n".join(lines)
