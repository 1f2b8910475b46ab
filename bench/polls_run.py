"""Benchmark the polls on PostgreSQL + Redis + RabbitMQ: votes per second next to the
vote's raw-SQL ceiling, and live results streamed to a thousand subscribers.

    python bench/polls_run.py [--users 5000]
    make bench-polls    # only ``full`` below, as make bench runs it, into the latest run

1. creates and migrates ``nexus_bench_polls`` (bench/common.py) and seeds it
   (unless its recorded seed version matches)
   with bench/polls_seed.py: N voters and a poll owner, with an access token each
   minted directly, written to bench/out/polls-tokens.json;
2. votes: starts gunicorn as bench/common.py does (production settings, 2 workers;
   ``wsgi``: gthread, ``asgi``: uvicorn workers) with bench/polls_settings.py, which
   only adds the raw-SQL ceiling view of bench/polls_urls.py (the same transaction,
   the same JWT authentication). For 16 then 2 client threads, in interleaved rounds
   (medians reported), each measurement opens a fresh single-choice poll with 5
   options through the API and the threads vote on it, each POST with the next
   distinct voter's token (one vote per user), for N seconds or until the voters run
   out: votes/s, p50/p95 latency; the API on one poll, the ceiling on another, same
   threads and users. Then the tallies of every poll are checked exactly:
   voter_count == ballots == vote rows == sum of option votes == 201 responses;
3. stream fan-out: the stream role's command from infra/compose.yaml (one uvicorn
   process, its pool settings) serves 1,000 SSE subscribers of one poll (asyncio
   streams in this process) while one client votes at a steady rate through the
   WSGI server for N seconds. For each vote and subscriber: the delay from the vote's
   201 to the first event whose total includes it, and per event the spread from the
   first subscriber to the last; the server's RSS before and with the idle
   subscribers; its database connections (pg_stat_activity, matched by its sockets'
   ports) with the subscribers connected, idle (once the pool's ``max_idle`` has
   passed, up to ``--idle-wait`` s) and at peak; every subscriber's last total == the
   poll's; then the poll is closed and every stream must end with the final event.

Prints Markdown tables and writes bench/out/polls-<server>.json and polls-stream.json.
Afterwards purges the task queue ``nexus-bench-polls`` (no worker consumes it).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import (
    OUT,
    ROOT,
    Client,
    Context,
    Row,
    SeedSpec,
    domain_env,
    paired_ratios,
    percentile,
    prepare,
    purge,
    ratio_summary,
    round_order,
    round_started,
    rss_kib,
    script_seed,
    start_gunicorn,
    stop,
    wait_for,
    worker_rss_mib,
)
from common import psql as _psql

PORT = 8102
STREAM_PORT = 8104
DB_NAME = "nexus_bench_polls"
CACHE_PREFIX = "nexus-bench-polls"
TOKENS = OUT / "polls-tokens.json"
QUEUE = "nexus-bench-polls"  # the close notification's task; no worker consumes it
API = "/api/v1/polls/polls"
RAW = "/bench/polls/raw/polls"
API_KIND, RAW_KIND = "api", "raw SQL, same transaction"
OPTIONS = ["Red", "Green", "Blue", "Yellow", "Purple"]


def polls_env(server: str) -> dict[str, str]:
    # The cache, throttles and stream pub/sub use the bench's Redis database.
    extra = {}
    # bench/polls_settings.py's investigation flag, when set (never in a measured run).
    if os.environ.get("BENCH_PROFILE"):
        extra["BENCH_PROFILE"] = os.environ["BENCH_PROFILE"]
    return domain_env("polls", DB_NAME, server, **extra)


def seed_spec(users: int = 5_000) -> SeedSpec:
    """The voters; their tokens are minted afresh on every run, reused data or not."""

    seed = script_seed("polls_seed.py", "--users", str(users), "--tokens", str(TOKENS))

    return SeedSpec(
        domain="polls",
        database=DB_NAME,
        sources=["bench/polls_seed.py"],
        params={"users": users},
        seed=seed,
        env=polls_env("wsgi"),
        refresh=lambda environment, info: seed(environment),
    )


def psql(sql: str, params: list | None = None) -> list[tuple]:
    return _psql(DB_NAME, sql, params)


def new_poll(base: str, owner_token: str, question: str) -> dict:
    """An open single-choice poll with five options, made through the API."""
    status, body = Client(base).request(
        "POST", f"{API}/", {"question": question, "options": OPTIONS}, owner_token
    )
    if status != 201:
        raise RuntimeError(f"creating a poll: {status} {body[:300]!r}")
    poll = json.loads(body)
    return {"id": poll["id"], "options": [option["id"] for option in poll["options"]]}


def tallies(poll_id: int) -> dict:
    voter_count, ballots, vote_rows, option_votes = psql(
        "SELECT p.voter_count, "
        "(SELECT count(*) FROM polls_ballot b WHERE b.poll_id = p.id), "
        "(SELECT count(*) FROM polls_vote v WHERE v.poll_id = p.id), "
        "(SELECT coalesce(sum(o.votes), 0) FROM polls_option o WHERE o.poll_id = p.id) "
        "FROM polls_poll p WHERE p.id = %s",
        [poll_id],
    )[0]
    return {
        "voter_count": voter_count,
        "ballots": ballots,
        "vote_rows": vote_rows,
        "option_votes": int(option_votes),
    }


class Neighbours:
    """What else ran during a phase, sampled every ``every`` seconds from /proc: CPU
    (in cores) of this bench (its process tree and the PostgreSQL backends of its
    database), of the shared services (PostgreSQL's background processes, Redis,
    RabbitMQ, kernel threads) and of everything else (other engineers' runs and their
    databases' backends), with the busiest other commands. Processes shorter than a
    sample are missed."""

    SERVICES = ("postgres", "redis-server", "beam.smp", "epmd", "erl_child_setup")

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.samples: list[dict[str, float]] = []
        self.others: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Neighbours:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _processes() -> dict[int, tuple[int, int, str, str]]:
        """pid: (ppid, CPU ticks, name, command line) of every process."""
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                head, rest = (entry / "stat").read_text().rsplit(")", 1)
                fields = rest.split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                name = head.split("(", 1)[1]
                found[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]),
                                          name, command.strip())  # fmt: skip
        return found

    def _kind(self, pid: int, processes: dict) -> str:
        _, _, name, command = processes[pid]
        if DB_NAME in command:
            return "bench"
        seen = set()
        while pid > 1 and pid not in seen:
            if pid == os.getpid():
                return "bench"
            seen.add(pid)
            pid = processes.get(pid, (0,))[0]
        if name == "postgres" and "(" in command:  # a client's backend: another database's
            return "others"
        if name in self.SERVICES or not command:  # no command line: a kernel thread
            return "services"
        return "others"

    def _run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        before, at = self._processes(), time.monotonic()
        while not self._stop.wait(self.every):
            now, now_at = self._processes(), time.monotonic()
            cores = {"bench": 0.0, "services": 0.0, "others": 0.0}
            for pid, (_, ticks, _, command) in now.items():
                used = (ticks - before.get(pid, (0, 0))[1]) / tick / (now_at - at)
                kind = self._kind(pid, now)
                cores[kind] += used
                if kind == "others" and used > 0.05:
                    label = " ".join(command.split()[:4])[:80]
                    self.others[label] = max(self.others.get(label, 0.0), used)
            self.samples.append(cores)
            before, at = now, now_at

    def summary(self) -> dict:
        if not self.samples:
            return {}
        mean = {k: round(statistics.mean(s[k] for s in self.samples), 2) for k in self.samples[0]}
        busiest = sorted(self.others.items(), key=lambda item: -item[1])[:5]
        return {
            "cores_mean": mean,
            "others_cores_max": round(max(s["others"] for s in self.samples), 2),
            "busiest_others": {label: round(cores, 2) for label, cores in busiest},
            "load_after": Path("/proc/loadavg").read_text().split()[0],
        }


# --- votes per second -------------------------------------------------------------------


def voters_run(base: str, path: str, poll: dict, tokens: list[str], threads: int, seconds: float):
    """``threads`` clients vote on ``poll`` through ``path``, each vote by the next
    voter (one vote per user), until ``seconds`` pass or the voters run out."""
    statuses: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()
    next_voter = iter(range(len(tokens)))
    options = poll["options"]
    deadline = time.monotonic() + seconds

    def voter() -> None:
        client = Client(base)
        while time.monotonic() < deadline:
            with lock:
                number = next(next_voter, None)
            if number is None:
                return
            body = {"option": options[number % len(options)]}
            started = time.perf_counter()
            status, _ = client.request("POST", path, body, tokens[number])
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                statuses.append(status)
                latencies.append(elapsed)

    workers = [threading.Thread(target=voter) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses, sorted(latencies), time.perf_counter() - started


def vote_figures(statuses: list[int], latencies: list[float], wall: float) -> dict:
    created = statuses.count(201)
    return {
        "seconds": round(wall, 2),
        "votes": created,
        "votes_per_s": created / wall,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "statuses": {str(code): statuses.count(code) for code in sorted(set(statuses))},
    }


def measure_votes(server: str, tokens: dict, args: argparse.Namespace) -> dict:
    env = polls_env(server)
    process = start_gunicorn(server, env, PORT)
    base = f"http://127.0.0.1:{PORT}"
    results: dict = {"server": server, "users": len(tokens["voters"])}
    polls: list[dict] = []
    neighbours = Neighbours().__enter__()
    results["load_before"] = Path("/proc/loadavg").read_text().split()[0]
    try:
        wait_for(base + "/health/live/")
        paths = {API_KIND: API + "/{id}/vote/", RAW_KIND: RAW + "/{id}/vote/"}
        runs: dict[tuple[int, str], list[dict]] = {}
        # Rounds pair the API and its ceiling back to back (the order swapped every
        # round), so that a drift in what else runs on the two cores weighs on both;
        # each figure is the median over the rounds, the ratio that of the pairs.
        for round_ in range(args.rounds):
            round_started(f"votes round {round_ + 1} of {args.rounds}")
            for threads in (16, 2):
                for kind in round_order(list(paths), round_):
                    path = paths[kind]
                    if round_ == 0:  # warm-up: connections, plans, caches; its own poll
                        poll = new_poll(base, tokens["owner"], f"warm-up {kind} {threads}")
                        outcome = voters_run(
                            base, path.format(**poll), poll, tokens["voters"], threads, 2
                        )
                        polls.append({**poll, "created": outcome[0].count(201), "warm_up": True})
                    poll = new_poll(base, tokens["owner"], f"{server} {kind} {threads} {round_}")
                    statuses, latencies, wall = voters_run(
                        base, path.format(**poll), poll, tokens["voters"], threads, args.duration
                    )
                    figures = vote_figures(statuses, latencies, wall)
                    polls.append({**poll, "created": figures["votes"], "warm_up": False})
                    runs.setdefault((threads, kind), []).append({**figures, "poll": poll["id"]})
                    print(server, round_ + 1, threads, kind, figures, flush=True)
        results["rss_mib"] = worker_rss_mib(process.pid)
    finally:
        stop(process)
        purge(QUEUE)
        neighbours.__exit__()
    results["machine"] = neighbours.summary()
    results["votes"] = [
        {
            "threads": threads,
            "kind": kind,
            "rounds": len(figures),
            **{
                key: statistics.median(f[key] for f in figures)
                for key in ("votes_per_s", "p50_ms", "p95_ms")
            },
            "range": [
                min(f["votes_per_s"] for f in figures),
                max(f["votes_per_s"] for f in figures),
            ],
            "all_201": all(f["statuses"] == {"201": f["votes"]} for f in figures),
            "ran_out": any(sum(f["statuses"].values()) >= len(tokens["voters"]) for f in figures),
            "runs": figures,
        }
        for (threads, kind), figures in runs.items()
    ]
    checks = []
    for poll in polls:
        counted = tallies(poll["id"])
        exact = len(set(counted.values())) == 1 and counted["voter_count"] == poll["created"]
        checks.append({"poll": poll["id"], "responses_201": poll["created"], **counted,
                       "exact": exact, "warm_up": poll["warm_up"]})  # fmt: skip
    results["tallies"] = checks
    results["all_exact"] = all(check["exact"] for check in checks)
    return results


# --- stream fan-out --------------------------------------------------------------------


def stream_command() -> tuple[list[str], dict[str, str]]:
    """The stream role's command and pool settings, from infra/compose.yaml (one plain
    uvicorn process), bound to 127.0.0.1:STREAM_PORT; uvicorn's defaults if absent."""
    import yaml

    compose = yaml.safe_load((ROOT / "infra" / "compose.yaml").read_text())
    service = compose.get("services", {}).get("stream")
    if not service:
        print("infra/compose.yaml has no stream service: plain uvicorn", flush=True)
        return [sys.executable, "-m", "uvicorn", "config.asgi:application",
                "--host", "127.0.0.1", "--port", str(STREAM_PORT)], {}  # fmt: skip
    words = [str(word) for word in service["command"]]
    if words[0] != "uvicorn":
        raise RuntimeError(f"the stream role is not plain uvicorn: {words}")
    words = [sys.executable, "-m", "uvicorn", *words[1:]]
    words[words.index("--host") + 1] = "127.0.0.1"
    words[words.index("--port") + 1] = str(STREAM_PORT)
    pool = {
        name: str(value)
        for name, value in (service.get("environment") or {}).items()
        if name.startswith("DATABASE_POOL")
    }
    return words, pool


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_ports(pid: int) -> list[int]:
    """Local ports of ``pid``'s TCP connections to PostgreSQL (port 5432)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), Path(table).open() as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == 5432:
                    ports.append(int(local.rsplit(":", 1)[1], 16))
    return ports


def database_connections(pid: int) -> dict:
    """The server's connections as PostgreSQL sees them (pg_stat_activity), by state."""
    ports = database_ports(pid)
    rows = psql(
        "SELECT state, count(*) FROM pg_stat_activity WHERE datname = %s "
        "AND client_port = ANY(%s) GROUP BY state",
        [DB_NAME, ports],
    )
    states = {state or "unknown": count for state, count in rows}
    return {"total": sum(states.values()), "states": states}


class Subscriber:
    """One SSE client on a raw asyncio connection: the (time, total, event) of every
    event it receives."""

    def __init__(self) -> None:
        self.events: list[tuple[float, int, str]] = []
        self.first = asyncio.Event()
        self.ended = False
        self.error: str | None = None

    async def run(self, path: str) -> None:
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", STREAM_PORT)
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            writer.write(request.encode() + b"\r\n")
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            if not head.startswith("http/1.1 200") or "chunked" not in head:
                raise RuntimeError(head.splitlines()[0])
            buffer = b""
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    self.ended = True
                    return
                buffer += await reader.readexactly(size)
                await reader.readexactly(2)
                while b"\n\n" in buffer:
                    block, buffer = buffer.split(b"\n\n", 1)
                    self._event(block, time.monotonic())
        except Exception as error:
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.first.set()
            if writer is not None:
                writer.close()

    def _event(self, block: bytes, at: float) -> None:
        name, data = "message", None
        for line in block.decode().split("\n"):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        if data is None:
            return  # a comment: the opening, or a heartbeat
        self.events.append((at, json.loads(data)["total_votes"], name))
        self.first.set()


def steady_votes(base: str, poll: dict, tokens: list[str], rate: float, seconds: float):
    """One client votes ``rate`` times a second, each vote by the next voter: the
    monotonic time of each vote's 201, in order, and the statuses."""
    client = Client(base)
    path = f"{API}/{poll['id']}/vote/"
    options = poll["options"]
    done_at: list[float] = []
    statuses: list[int] = []
    started = time.monotonic()
    for number in range(min(int(rate * seconds), len(tokens))):
        pause = started + number / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        status, _ = client.request(
            "POST", path, {"option": options[number % len(options)]}, tokens[number]
        )
        statuses.append(status)
        if status == 201:
            done_at.append(time.monotonic())
    return done_at, statuses


def delivery_delays(done_at: list[float], subscribers: list[Subscriber], base_total: int):
    """For vote k (its 201 at done_at[k-1]; the poll's total is then base_total + k, one
    voter voting in sequence): each subscriber's first event whose total is at least
    that, minus the 201's time. Negative: the event beat the 201 to the client."""
    delays: list[float] = []
    missed = 0
    for subscriber in subscribers:
        times = [at for at, _, _ in subscriber.events]
        totals = [total for _, total, _ in subscriber.events]
        for k, at in enumerate(done_at, start=1):
            index = bisect.bisect_left(totals, base_total + k)
            if index == len(totals):
                missed += 1
            else:
                delays.append(times[index] - at)
    return sorted(delays), missed


async def fan_out(base: str, poll: dict, tokens: dict, pid: int, args: argparse.Namespace) -> dict:
    path = f"{API}/{poll['id']}/results/stream/"
    loop = asyncio.get_running_loop()
    figures: dict = {"subscribers": args.subscribers, "rate": args.rate, "seconds": args.seconds}

    # Warm-up: one stream opened and dropped (URLconf, pool, the Redis subscriber).
    probe = Subscriber()
    probe_task = loop.create_task(probe.run(path))
    await asyncio.wait_for(probe.first.wait(), 30)
    probe_task.cancel()
    await asyncio.sleep(2)
    figures["rss_before_kib"] = rss_kib(pid)
    figures["db_before"] = await asyncio.to_thread(database_connections, pid)

    subscribers = [Subscriber() for _ in range(args.subscribers)]
    started = time.monotonic()
    tasks = []
    for subscriber in subscribers:
        tasks.append(loop.create_task(subscriber.run(path)))
        await asyncio.sleep(0.002)  # 500 connections a second, as browsers arriving
    await asyncio.wait_for(asyncio.gather(*(s.first.wait() for s in subscribers)), 120)
    figures["connect_seconds"] = round(time.monotonic() - started, 2)
    errors = [s.error for s in subscribers if s.error]
    if errors:
        raise RuntimeError(f"{len(errors)} subscribers failed, e.g. {errors[0]}")
    await asyncio.sleep(args.settle)
    figures["rss_idle_kib"] = rss_kib(pid)
    figures["db_settled"] = await asyncio.to_thread(database_connections, pid)
    figures["per_subscriber_kib"] = (
        figures["rss_idle_kib"] - figures["rss_before_kib"]
    ) / args.subscribers
    # Idle: nothing happens but heartbeats. A pooled connection is closed only once it
    # has been unused for the pool's max_idle (psycopg_pool checks every max_idle
    # seconds): wait for that, up to --idle-wait seconds, sampling every second.
    idle_from = time.monotonic()
    while True:
        connections = await asyncio.to_thread(database_connections, pid)
        waited = time.monotonic() - idle_from + args.settle
        if connections["total"] == 0 or waited >= args.idle_wait:
            break
        await asyncio.sleep(1)
    figures["db_idle"] = connections
    figures["db_idle_after_s"] = round(waited)
    figures["rss_idle_end_kib"] = rss_kib(pid)
    base_total = tallies(poll["id"])["voter_count"]
    print("stream: idle", figures, flush=True)

    # Votes at a steady rate through the WSGI server; sample the stream server meanwhile.
    samples: list[dict] = []
    sampling = True

    async def sample() -> None:
        while sampling:
            connections = await asyncio.to_thread(database_connections, pid)
            samples.append(
                {"at": time.monotonic(), "db": connections["total"], "rss": rss_kib(pid)}
            )
            await asyncio.sleep(0.2)

    sampler = loop.create_task(sample())
    cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
    with Neighbours(every=2) as neighbours:
        done_at, statuses = await asyncio.to_thread(
            steady_votes, base, poll, tokens["voters"], args.rate, args.seconds
        )
    figures["machine_during_votes"] = neighbours.summary()
    await asyncio.sleep(2)  # the last wake-up, coalesced, and its fan-out
    figures["server_cpu_share"] = (cpu_seconds(pid) - cpu_before) / (time.monotonic() - wall_before)
    sampling = False
    await sampler
    figures["vote_statuses"] = {str(code): statuses.count(code) for code in sorted(set(statuses))}
    figures["votes"] = len(done_at)
    final = tallies(poll["id"])
    figures["tallies"] = final
    figures["db_peak"] = max(s["db"] for s in samples)
    figures["rss_peak_kib"] = max(s["rss"] for s in samples)

    delays, missed = delivery_delays(done_at, subscribers, base_total)
    figures["deliveries"] = len(delays)
    figures["missed"] = missed
    figures["early"] = sum(1 for d in delays if d < 0)
    figures["delay_ms"] = {
        "p50": statistics.median(delays) * 1000,
        "p95": percentile(delays, 0.95) * 1000,
        "p99": percentile(delays, 0.99) * 1000,
        "max": delays[-1] * 1000,
    }
    # Fan-out spread: for each event (one total), the first and last subscriber to get it.
    received: dict[int, list[float]] = {}
    for subscriber in subscribers:
        for at, total, _ in subscriber.events:
            if total > base_total:
                received.setdefault(total, []).append(at)
    spreads = sorted(max(times) - min(times) for times in received.values())
    figures["fan_out_spread_ms"] = {
        "p50": statistics.median(spreads) * 1000,
        "p95": percentile(spreads, 0.95) * 1000,
        "max": spreads[-1] * 1000,
    }
    events = [sum(1 for _, total, _ in s.events if total > base_total) for s in subscribers]
    figures["events_per_subscriber"] = {"min": min(events), "median": statistics.median(events),
                                        "max": max(events)}  # fmt: skip
    figures["last_total_is_final"] = sum(
        1 for s in subscribers if s.events and s.events[-1][1] == final["voter_count"]
    )

    # Close the poll (the owner, through the API): every stream gets the final event, ends.
    status, _ = await asyncio.to_thread(
        Client(base).request, "POST", f"{API}/{poll['id']}/close/", None, tokens["owner"]
    )
    figures["close_status"] = status
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*tasks), 15)
    figures["ended_with_final"] = sum(
        1
        for s in subscribers
        if s.ended and s.events[-1][2] == "final" and s.events[-1][1] == final["voter_count"]
    )
    for task in tasks:
        task.cancel()
    await asyncio.sleep(1)
    figures["db_after"] = await asyncio.to_thread(database_connections, pid)
    return figures


def measure_stream(tokens: dict, args: argparse.Namespace) -> dict:
    # A thousand sockets in this process and the server's: raise the descriptor limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.subscribers * 2 + 1024
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    env = polls_env("wsgi")
    web = start_gunicorn("wsgi", env, PORT)
    command, pool = stream_command()
    stream_env = {**polls_env("asgi"), **pool}
    # Access logs off: a thousand connection lines would cost the loop they measure.
    stream = subprocess.Popen(  # noqa: S603
        [*command, "--log-level", "warning"], env=stream_env, cwd=ROOT
    )
    base = f"http://127.0.0.1:{PORT}"
    neighbours = Neighbours().__enter__()
    load_before = Path("/proc/loadavg").read_text().split()[0]
    try:
        wait_for(base + "/health/live/")
        wait_for(f"http://127.0.0.1:{STREAM_PORT}/health/live/")
        poll = new_poll(base, tokens["owner"], "stream fan-out")
        round_started("SSE fan-out")
        figures = asyncio.run(fan_out(base, poll, tokens, stream.pid, args))
    finally:
        for process in (stream, web):
            process.terminate()
        for process in (stream, web):
            process.wait(timeout=40)
        purge(QUEUE)
        neighbours.__exit__()
    return {
        "command": " ".join(command[2:]),
        "pool": pool,
        "poll": poll["id"],
        "load_before": load_before,
        "machine": neighbours.summary(),
        **figures,
    }


# --- the full run ------------------------------------------------------------------------


def full(context: Context) -> list[Row]:
    """The polls' part of ``make bench``: votes/s next to the vote's raw-SQL ceiling,
    and the SSE fan-out to 1,000 subscribers (delivery delay: no ceiling)."""
    tokens = json.loads(TOKENS.read_text())
    args = argparse.Namespace(
        rounds=context.rounds,
        duration=context.duration,
        subscribers=1_000,
        rate=20.0,
        seconds=15.0,
        settle=3.0,
        idle_wait=3.0,
    )
    votes = measure_votes("wsgi", tokens, args)
    by = {(r["threads"], r["kind"]): r for r in votes["votes"]}
    context.log(f"polls: tallies exact: {votes['all_exact']}")
    notes = [] if votes["all_exact"] else ["tallies NOT exact"]
    if not all(r["all_201"] for r in votes["votes"]):
        notes.append("some votes not 201")
    paired = ratio_summary(
        paired_ratios(
            [run["votes_per_s"] for run in by[(16, API_KIND)]["runs"]],
            [run["votes_per_s"] for run in by[(16, RAW_KIND)]["runs"]],
        )
    )
    rows = [
        Row(
            "polls",
            "POST /api/v1/polls/polls/{id}/vote/ (a new voter each)",
            by[(2, API_KIND)]["p50_ms"],
            by[(2, API_KIND)]["p95_ms"],
            by[(16, API_KIND)]["votes_per_s"],
            ratio=paired["ratio"],
            rss_mib=votes.get("rss_mib"),
            note="; ".join(["p50/p95 at 2 clients, votes/s at 16", *notes]),
            unit="votes/s",
            extra={
                "ceiling_rps": by[(16, RAW_KIND)]["votes_per_s"],
                "ceiling_p50_ms": by[(2, RAW_KIND)]["p50_ms"],
                **{key: value for key, value in paired.items() if key != "ratio"},
            },
        )
    ]
    stream = measure_stream(tokens, args)
    delay = stream["delay_ms"]
    rows.append(
        Row(
            "polls",
            f"SSE fan-out: {stream['subscribers']:,} subscribers, {args.rate:.0f} votes/s",
            delay["p50"],
            delay["p95"],
            stream["events_per_subscriber"]["median"] * stream["subscribers"] / args.seconds,
            rss_mib=round(stream["rss_peak_kib"] / 1024, 1),
            note=(
                f"latency: a vote's 201 to the event carrying it (events coalesce votes); "
                f"no ceiling; {stream['missed']} of {stream['deliveries'] + stream['missed']:,} "
                "vote deliveries missed; "
                f"{stream['ended_with_final']}/{stream['subscribers']} ended with the final "
                f"event; one uvicorn process; "
                f"{stream['per_subscriber_kib']:.0f} KiB per subscriber"
            ),
            unit="events/s",
        )
    )
    return rows


# --- report ---------------------------------------------------------------------------


def report_votes(results: dict) -> None:
    server = results["server"]
    rounds = results["votes"][0]["rounds"]
    print(f"\n### votes, {server}\n")
    print(f"medians of {rounds} interleaved rounds; votes/s range = lowest-highest round\n")
    print("| threads | served by | votes/s | range | p50 ms | p95 ms | all 201 |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | --- |")
    for r in results["votes"]:
        low, high = r["range"]
        print(
            f"| {r['threads']} | {r['kind']} | {r['votes_per_s']:.0f} | {low:.0f}-{high:.0f} "
            f"| {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['all_201']} |"
        )
    by = {(r["threads"], r["kind"]): r["votes_per_s"] for r in results["votes"]}
    print("\n| threads | API / ceiling |")
    print("| ---: | ---: |")
    for threads in (16, 2):
        print(f"| {threads} | {by[(threads, API_KIND)] / by[(threads, RAW_KIND)]:.0%} |")
    measured = [c for c in results["tallies"] if not c["warm_up"]]
    print(
        f"\nload before {results['load_before']}; machine: {results['machine']}; tallies: "
        f"{sum(c['exact'] for c in results['tallies'])} of "
        f"{len(results['tallies'])} polls exact (voter_count == ballots == vote rows == "
        f"sum of option votes == 201s); measured polls: "
        f"{sum(c['responses_201'] for c in measured)} votes"
    )


def report_stream(s: dict) -> None:
    print("\n### stream fan-out\n")
    print(f"`{s['command']}` {s['pool']}\n")
    d = s["delay_ms"]
    print("| subscribers | votes | deliveries | p50 ms | p95 ms | p99 ms | max ms | missed |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {s['subscribers']} | {s['votes']} | {s['deliveries']} | {d['p50']:.0f} "
        f"| {d['p95']:.0f} | {d['p99']:.0f} | {d['max']:.0f} | {s['missed']} |"
    )
    print("\n| RSS before | with idle subscribers | per subscriber | peak |")
    print("| ---: | ---: | ---: | ---: |")
    print(
        f"| {s['rss_before_kib'] / 1024:.1f} MiB | {s['rss_idle_kib'] / 1024:.1f} MiB "
        f"| {s['per_subscriber_kib']:.1f} KiB | {s['rss_peak_kib'] / 1024:.1f} MiB |"
    )
    print(
        "\n| DB connections | before | subscribers connected | idle "
        "| peak (votes) | after the close |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| stream server | {s['db_before']['total']} | {s['db_settled']['total']} "
        f"| {s['db_idle']['total']} (after {s['db_idle_after_s']} s) "
        f"| {s['db_peak']} | {s['db_after']['total']} |"
    )
    f = s["fan_out_spread_ms"]
    print(
        f"\nfan-out spread (first to last subscriber, per event): p50 {f['p50']:.0f} ms, "
        f"p95 {f['p95']:.0f} ms, max {f['max']:.0f} ms"
    )
    print(
        f"\nconnect {s['connect_seconds']} s; events per subscriber during the votes "
        f"{s['events_per_subscriber']}; early (event before the 201 was read) {s['early']}; "
        f"stream server CPU {s['server_cpu_share']:.0%} of a core; last total final: "
        f"{s['last_total_is_final']}/{s['subscribers']}; ended with the final event: "
        f"{s['ended_with_final']}/{s['subscribers']}; tallies {s['tallies']}; "
        f"load before {s['load_before']}; machine: {s['machine']}; during the votes: "
        f"{s['machine_during_votes']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per vote measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--servers", default="wsgi,asgi", help="wsgi, asgi or both (comma)")
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=20, help="votes/s during the fan-out")
    parser.add_argument("--seconds", type=float, default=30, help="of votes during the fan-out")
    parser.add_argument("--settle", type=float, default=5, help="seconds before the RSS")
    parser.add_argument(
        "--idle-wait", type=float, default=150, help="most seconds to wait for 0 connections"
    )
    parser.add_argument("--skip", default="", help="votes or stream: a part not to run")
    args = parser.parse_args()

    params = prepare([seed_spec(args.users)])["polls"]
    print("seeded:", params, flush=True)
    tokens = json.loads(TOKENS.read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    runs = []
    if "votes" not in args.skip:
        for server in args.servers.split(","):
            results = measure_votes(server, tokens, args)
            (OUT / f"polls-{server}.json").write_text(json.dumps(results, indent=2))
            runs.append(results)
    stream = None
    if "stream" not in args.skip:
        stream = measure_stream(tokens, args)
        (OUT / "polls-stream.json").write_text(json.dumps(stream, indent=2))
    for results in runs:
        report_votes(results)
    if stream is not None:
        report_stream(stream)


if __name__ == "__main__":
    main()
