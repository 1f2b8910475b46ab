"""The pure parts of `make bench` (bench/common.py, bench/all_run.py): reading wrk's
report, deciding whether a seeded database can be reused, and the table and section
it writes. No server, database or wrk is started here."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import all_run  # noqa: E402
import common  # noqa: E402

REPORT = (
    '{"requests": 1234, "rps": 246.8, "p50_ms": 7.25, "p95_ms": 19.50, "p99_ms": 40.00, '
    '"errors": 2, "non2xx": 2}'
)


# --- wrk ------------------------------------------------------------------------------


def test_parse_wrk_reads_the_report_line_after_wrks_own_output():
    stdout = (
        "Running 4s test @ http://127.0.0.1:8100/api/v1/auth/me/\n"
        "  2 threads and 16 connections\n"
        "  Latency    7.31ms    2.10ms  40.00ms   80.00%\n"
        f"{REPORT}\n"
    )
    figures = common.parse_wrk(stdout)
    assert figures["rps"] == 246.8
    assert figures["p50_ms"] == 7.25
    assert figures["p95_ms"] == 19.5
    assert figures["errors"] == 2


def test_parse_wrk_refuses_output_without_a_report():
    with pytest.raises(ValueError, match="no JSON line"):
        common.parse_wrk("Running 4s test\nunable to connect to 127.0.0.1:8100\n")


def test_parse_wrk_refuses_a_report_missing_a_figure():
    with pytest.raises(ValueError, match="p95_ms"):
        common.parse_wrk('{"requests": 1, "rps": 1.0, "p50_ms": 1.0, "p99_ms": 1, "errors": 0}')


def test_wrk_command_uses_the_report_script_and_never_more_threads_than_connections():
    command = common.wrk_command("http://127.0.0.1:8101/x", 4.0, 1)
    assert command[:5] == ["wrk", "-t1", "-c1", "-d4s", "--timeout"]
    assert command[-3:] == ["-s", str(common.REPORT_LUA), "http://127.0.0.1:8101/x"]
    assert "-t2" in common.wrk_command("http://127.0.0.1:8101/x", 4, 16)


def test_median_figures_takes_medians_and_sums_errors():
    runs = [
        {"rps": 100.0, "p50_ms": 5.0, "p95_ms": 9.0, "p99_ms": 20.0, "errors": 1},
        {"rps": 300.0, "p50_ms": 3.0, "p95_ms": 7.0, "p99_ms": 10.0, "errors": 0},
        {"rps": 200.0, "p50_ms": 4.0, "p95_ms": 8.0, "p99_ms": 15.0, "errors": 2},
    ]
    figures = common.median_figures(runs)
    assert (figures["rps"], figures["p50_ms"], figures["p95_ms"]) == (200.0, 4.0, 8.0)
    assert (figures["rps_min"], figures["rps_max"], figures["errors"]) == (100.0, 300.0, 3)
    assert figures["rounds"] == 3


# --- seed versions --------------------------------------------------------------------

RECORD = {"version": "1-abc", "params": {"products": 1_000_000}, "info": {}, "seconds": 90.0}


def test_no_record_means_seed():
    reuse, reason = common.reuse_decision(None, "1-abc", {"products": 1_000_000})
    assert not reuse
    assert reason == "no seed recorded"


def test_matching_version_and_scale_means_reuse():
    reuse, reason = common.reuse_decision(RECORD, "1-abc", {"products": 1_000_000})
    assert reuse
    assert "1-abc" in reason


def test_another_version_means_seed_again():
    reuse, reason = common.reuse_decision(RECORD, "1-def", {"products": 1_000_000})
    assert not reuse
    assert "1-abc" in reason
    assert "1-def" in reason


def test_another_scale_means_seed_again():
    reuse, reason = common.reuse_decision(RECORD, "1-abc", {"products": 100_000})
    assert not reuse
    assert "100000" in reason


def _spec(tmp_path: Path, domain: str, database: str, calls: list, tag: str = "1"):
    source = tmp_path / f"{domain}_seed.py"
    if not source.exists():
        source.write_text(f"# seeds {domain}\n")

    def seed(env: dict) -> dict:
        calls.append(("seed", domain))
        return {"seeded": domain}

    def refresh(env: dict, info: dict) -> dict:
        calls.append(("refresh", domain))
        return {**info, "refreshed": True}

    return common.SeedSpec(
        domain=domain,
        database=database,
        sources=[str(source)],  # absolute: ROOT / an absolute path is that path
        params={"rows": 10},
        seed=seed,
        env={},
        tag=tag,
        refresh=refresh,
    )


def test_version_follows_the_seed_sources_and_the_tag(tmp_path):
    spec = _spec(tmp_path, "shop", "nexus_bench", [])
    first = spec.version()
    assert spec.version() == first
    (tmp_path / "shop_seed.py").write_text("# seeds shop, differently\n")
    assert spec.version() != first
    changed = spec.version()
    spec.tag = "2"
    assert spec.version() != changed
    assert spec.version().startswith("2-")


@pytest.fixture
def database(monkeypatch):
    """common's database calls, replaced by a dict: {database: {domain: record}}."""
    state: dict = {"records": {}, "dropped": [], "ensured": []}

    def record(spec, info, seconds):
        state["records"].setdefault(spec.database, {})[spec.domain] = {
            "version": spec.version(),
            "params": spec.params,
            "info": info,
            "seconds": seconds,
        }

    def drop(name):
        state["dropped"].append(name)
        state["records"].pop(name, None)

    monkeypatch.setattr(common, "read_seeds", lambda name: dict(state["records"].get(name, {})))
    monkeypatch.setattr(common, "drop_database", drop)
    monkeypatch.setattr(common, "ensure_database", lambda env, name: state["ensured"].append(name))
    monkeypatch.setattr(common, "record_seed", record)
    return state


def test_prepare_seeds_an_empty_database_then_reuses_it(tmp_path, database):
    calls: list = []
    specs = [_spec(tmp_path, "jobs", "nexus_bench_jobs", calls)]
    first = common.prepare(specs, log=lambda line: None)
    assert calls == [("seed", "jobs")]
    assert first["jobs"]["_seed"]["reused"] is False
    assert database["dropped"] == []  # nothing recorded: nothing to drop

    calls.clear()
    again = common.prepare(specs, log=lambda line: None)
    assert calls == [("refresh", "jobs")]
    assert again["jobs"]["seeded"] == "jobs"
    assert again["jobs"]["refreshed"] is True
    assert again["jobs"]["_seed"]["reused"] is True


def test_one_stale_domain_reseeds_every_domain_of_its_database(tmp_path, database):
    calls: list = []
    core = _spec(tmp_path, "core", "nexus_bench", calls)
    shop = _spec(tmp_path, "shop", "nexus_bench", calls)
    jobs = _spec(tmp_path, "jobs", "nexus_bench_jobs", calls)
    common.prepare([core, shop, jobs], log=lambda line: None)
    calls.clear()

    (tmp_path / "shop_seed.py").write_text("# the shop's seed changed\n")
    infos = common.prepare([core, shop, jobs], log=lambda line: None)
    assert database["dropped"] == ["nexus_bench"]
    assert ("seed", "core") in calls
    assert ("seed", "shop") in calls
    assert ("refresh", "jobs") in calls
    assert ("seed", "jobs") not in calls
    assert infos["core"]["_seed"]["reused"] is False
    assert infos["jobs"]["_seed"]["reused"] is True


def test_only_bench_databases_may_be_dropped():
    with pytest.raises(ValueError, match="not a bench database"):
        common.drop_database("nexus")
    with pytest.raises(ValueError, match="not a bench database"):
        common.drop_database("test_nexus_bench")


# --- the table and the RESULTS.md section ---------------------------------------------


def _figures() -> dict:
    def run(rps: float, p50: float, errors: int = 0) -> dict:
        return {"rps": rps, "p50_ms": p50, "p95_ms": p50 * 2, "p99_ms": p50 * 3, "errors": errors}

    return {
        ("api", 2): run(150.0, 6.5),
        ("api", 16): run(300.0, 40.0, errors=1),
        ("ceiling", 2): run(400.0, 2.5),
        ("ceiling", 16): run(600.0, 20.0),
    }


def test_compared_takes_latency_at_low_and_ratio_at_high_concurrency():
    row = common.compared("shop", "list", "api", "ceiling", _figures(), rss_mib=88.4)
    assert (row.p50_ms, row.p95_ms, row.rps) == (6.5, 13.0, 300.0)
    assert row.ratio == pytest.approx(0.5)
    assert row.extra["ceiling_rps"] == 600.0
    assert row.note == "1 errors"


def test_render_table_has_one_line_per_row_and_dashes_for_what_was_not_measured():
    rows = [
        common.compared(
            "shop", "GET /api/v1/shop/products/", "api", "ceiling", _figures(), rss_mib=88.44
        ),
        common.Row("movies", "evaluate_recommender", None, None, None, note="1.88x"),
    ]
    table = common.render_table(rows).splitlines()
    assert len(table) == 4
    assert table[0].startswith("| domain | scenario | p50 ms | p95 ms | throughput ")
    assert table[2] == (
        "| shop | GET /api/v1/shop/products/ | 6.5 | 13.0 | 300 req/s | 600 | 50% | 88.4 "
        "| 1 errors |"
    )
    assert table[3] == "| movies | evaluate_recommender | — | — | — | — | — | — | 1.88x |"


def _run(**overrides) -> dict:
    return {
        "date": "2026-12-06 22:15 UTC",
        "command": "make bench",
        "arguments": "--only jobs --duration 4 --rounds 5",
        "machine": "Linux, 2 cores",
        "cores": 2,
        "load_start": "3.10 2.50 2.00",
        "load_end": "4.20 3.30 2.40",
        "quiet": {"quiet": True, "waited": 95.0, "averages": [0.42, 1.5, 1.9]},
        "worst_round": {
            "label": "round 2 of 5: api, ceiling",
            "load1": 2.6,
            "own": 2.1,
            "others": 0.5,
        },
        "wall_seconds": 900.0,
        "seed_seconds": 30.0,
        "duration": 4,
        "rounds": 5,
        "seeds": {"jobs": "seed 1-abc reused"},
        "minutes": {"jobs": 14.5},
        **overrides,
    }


def _row(domain: str, scenario: str = "search") -> common.Row:
    return common.compared(domain, scenario, "api", "ceiling", _figures(), rss_mib=90.0)


def _latest(run: dict, rows: list, domains: list[str]) -> dict:
    return all_run.merge_latest(None, run, rows, domains)


def test_the_section_says_which_run_date_command_machine_and_load_and_holds_the_table():
    section = all_run.render_section(_latest(_run(), [_row("jobs")], ["jobs"]))
    assert section.startswith(all_run.START + "\n## Latest full run\n")
    assert section.rstrip().endswith(all_run.END)
    assert "The rows come from one run" in section
    assert "**2026-12-06 22:15** UTC: jobs; `make bench`" in section
    assert "Linux, 2 cores" in section
    assert "before the first round 0.42 1.50 1.90 after waiting 95 s" in section
    assert "at most 0.50 (2.60 - 2.10 its own, round 2 of 5: api, ceiling)" in section
    assert "4.20 3.30 2.40 (the benchmark's own processes count in it)" in section
    assert "| jobs | search | 6.5 | 13.0 | 300 req/s | 600 | 50% | 90.0 | 2026-12-06 22:15 |" in (
        section
    )
    assert "wall time 15.0 min" in section


def test_a_run_that_never_found_a_quiet_machine_says_so():
    run = _run(quiet={"quiet": False, "waited": 300.0, "averages": [0.8, 0.9, 1.0]})
    section = all_run.render_section(_latest(run, [_row("jobs")], ["jobs"]))
    assert "after waiting 300 s (the 1-minute one never fell below 0.5)" in section


def test_a_domains_run_replaces_its_rows_and_keeps_the_others_saying_when_each_came():
    full = _run(date="2026-12-06 22:15 UTC", seeds={"core": "seed c", "jobs": "seed j"})
    latest = _latest(full, [_row("core", "me"), _row("jobs", "search")], ["core", "jobs"])
    again = _run(date="2026-12-07 09:00 UTC", command="make bench-jobs", seeds={"jobs": "j2"})
    fresh = _row("jobs", "search, again")
    merged = all_run.merge_latest(latest, again, [fresh], ["jobs"])
    assert [(r["domain"], r["scenario"], r["extra"]["run"]) for r in merged["rows"]] == [
        ("core", "me", "2026-12-06 22:15 UTC"),
        ("jobs", "search, again", "2026-12-07 09:00 UTC"),
    ]
    assert set(merged["runs"]) == {"2026-12-06 22:15 UTC", "2026-12-07 09:00 UTC"}
    section = all_run.render_section(merged)
    assert "The rows come from 2 runs, newest first" in section
    newest, older = (
        section.index("**2026-12-07 09:00** UTC: jobs"),
        section.index("**2026-12-06 22:15** UTC: core;"),
    )
    assert newest < older
    assert "seeds: core: seed c." in section  # the older run's jobs seed is no longer shown
    assert "| core | me |" in section
    assert "| 2026-12-06 22:15 | " in section
    assert "| jobs | search, again |" in section
    assert "| 2026-12-07 09:00 | " in section
    assert "| jobs | search |" not in section

    # Once every row of a run is replaced, the run is no longer listed.
    last = _run(date="2026-12-07 10:00 UTC", seeds={"core": "c2"})
    replaced = all_run.merge_latest(merged, last, [_row("core", "me")], ["core"])
    assert set(replaced["runs"]) == {"2026-12-07 09:00 UTC", "2026-12-07 10:00 UTC"}


def _watch(load1: float, own_now: int, seconds: float) -> common.LoadWatch:
    """A watch whose benchmark had ``own_now`` runnable threads for ``seconds``, sampled
    every 2 s, and whose kernel reports ``load1``."""
    clock = iter(range(0, 10_000, 2))
    watch = common.LoadWatch(
        read=lambda: (load1, 1.0, 1.0), own=lambda: own_now, clock=lambda: next(clock)
    )
    for _ in range(int(seconds / 2)):
        watch.sample()
    return watch


def test_the_benchmarks_own_share_follows_the_kernels_one_minute_average():
    watch = _watch(3.0, 3, 600)  # ten minutes of 3 runnable threads: the average is 3
    entry = watch.round_started("round 1")
    assert entry.own == pytest.approx(3.0, abs=0.01)
    assert entry.others == pytest.approx(0.0, abs=0.01)
    one_minute = _watch(3.0, 3, 60)  # after one minute, 1 - 1/e of it, as the kernel's
    assert one_minute.own_load == pytest.approx(3 * (1 - math.exp(-58 / 60)), abs=0.01)


def test_a_loaded_machine_is_refused_and_the_benchmarks_own_load_is_not():
    busy = _watch(4.5, 3, 600)  # 3 of the 4.5 are the benchmark's: 1.5 is another job's
    busy.round_started("round 1 of 5: me")
    assert [entry.label for entry in busy.refused()] == ["round 1 of 5: me"]
    message = all_run.refusal(busy)
    assert "1 of 1 rounds" in message
    assert "1.50 (4.50 - 3.00 its own) at round 1 of 5: me" in message
    assert "Not writing bench/RESULTS.md" in message

    own = _watch(3.9, 3, 600)  # 0.9 left: under the limit
    own.round_started("round 1")
    assert own.refused() == []
    assert all_run.refusal(own) == ""


def test_publish_writes_nothing_when_a_round_started_on_a_loaded_machine(tmp_path, capsys):
    results, latest = tmp_path / "RESULTS.md", tmp_path / "latest-run.json"
    results.write_text("# Benchmark results\n\n## Older\n")
    busy = _watch(4.5, 3, 600)
    busy.round_started("round 3 of 5: me")
    code = all_run.publish(
        _run(), [_row("jobs")], ["jobs"], busy, results=results, latest_path=latest,
        chart_path=None,
    )  # fmt: skip
    assert code == 1
    assert results.read_text() == "# Benchmark results\n\n## Older\n"
    assert not latest.exists()
    assert "another job was running" in capsys.readouterr().out

    quiet = _watch(0.3, 0, 600)
    quiet.round_started("round 1 of 5: me")
    code = all_run.publish(
        _run(), [_row("jobs")], ["jobs"], quiet, results=results, latest_path=latest,
        chart_path=None,
    )  # fmt: skip
    assert code == 0
    written = results.read_text()
    assert written.startswith("# Benchmark results\n\n" + all_run.START)
    assert "| jobs | search |" in written
    assert written.endswith("## Older\n")
    assert [r["domain"] for r in json.loads(latest.read_text())["rows"]] == ["jobs"]


def test_wait_for_quiet_stops_once_the_load_falls_below_half_and_prints_it():
    readings = iter([(1.4, 2.0, 2.0), (0.9, 1.9, 2.0), (0.45, 1.8, 2.0), (0.1, 0.1, 0.1)])
    now = [0.0]
    lines: list[str] = []
    quiet = common.wait_for_quiet(
        lambda: next(readings),
        sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
        clock=lambda: now[0],
        log=lines.append,
    )
    assert quiet == {"quiet": True, "waited": 10.0, "averages": [0.45, 1.8, 2.0]}
    assert lines == [
        "load average (1, 5, 15 min) 0.45 1.80 2.00 after waiting 10 s (below 0.5 for the "
        "1-minute one)"
    ]


def test_wait_for_quiet_gives_up_after_five_minutes():
    now = [0.0]
    lines: list[str] = []
    quiet = common.wait_for_quiet(
        lambda: (2.5, 2.4, 2.3),
        sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
        clock=lambda: now[0],
        log=lines.append,
    )
    assert quiet == {"quiet": False, "waited": 300.0, "averages": [2.5, 2.4, 2.3]}
    assert "still not below 0.5" in lines[0]


def _proc(root: Path, pid: int, name: str, state: str, ppid: int, command: str = "",
          tasks: list[str] | None = None) -> None:  # fmt: skip
    """A /proc/<pid> with the stat fields own_runnable reads (state, ppid, threads)."""
    entry = root / str(pid)
    entry.mkdir()
    threads = len(tasks) if tasks else 1
    rest = [state, str(ppid), *["0"] * 15, str(threads), *["0"] * 5]
    (entry / "stat").write_text(f"{pid} ({name}) {' '.join(rest)}\n")
    (entry / "cmdline").write_bytes(command.replace(" ", "\0").encode())
    for number, task_state in enumerate(tasks or []):
        task = entry / "task" / str(pid + number)
        task.mkdir(parents=True)
        (task / "stat").write_text(f"{pid + number} ({name}) {task_state} {ppid} 0\n")


def test_own_runnable_counts_the_benchmarks_tree_its_databases_and_the_services(tmp_path):
    _proc(tmp_path, 100, "python", "S", 1)  # the benchmark, sleeping
    _proc(tmp_path, 101, "gunicorn", "S", 100, tasks=["R", "R", "S"])  # its server's threads
    _proc(tmp_path, 102, "wrk", "R", 101)  # a grandchild
    _proc(tmp_path, 200, "pytest", "R", 1)  # another job
    _proc(tmp_path, 300, "postgres", "R", 1, "postgres: postgres nexus_bench_social 127.0.0.1(5)")
    _proc(tmp_path, 301, "postgres", "R", 1, "postgres: postgres nexus_jobs 127.0.0.1(6) SELECT")
    _proc(tmp_path, 302, "postgres", "D", 1, "postgres: walwriter")
    _proc(tmp_path, 400, "redis-server", "R", 1, "redis-server *:6379")
    (tmp_path / "self").mkdir()  # not a process
    assert common.own_runnable(100, proc=tmp_path) == 6  # 2 + wrk + backend + walwriter + redis


def test_paired_ratios_take_the_median_of_the_rounds_and_their_spread():
    ratios = common.paired_ratios([200, 190, 210, 180, 220], [300, 310, 290, 330, 280])
    summary = common.ratio_summary(ratios)
    assert summary["ratio"] == pytest.approx(200 / 300)
    assert summary["ratio_min"] == pytest.approx(180 / 330)
    assert summary["ratio_max"] == pytest.approx(220 / 280)
    assert summary["pairs"] == 5
    assert common.ratio_summary([]) == {
        "ratio": None, "ratio_min": None, "ratio_max": None, "pairs": 0,
    }  # fmt: skip
    with pytest.raises(ValueError, match="5 API rounds against 4"):
        common.paired_ratios([1, 2, 3, 4, 5], [1, 2, 3, 4])


def test_compared_reports_the_median_paired_ratio_not_the_ratio_of_medians():
    figures = _figures()
    # The medians (200 and 300) would say 67%; the pairs say 50% (the API and its
    # ceiling rose and fell together round by round).
    figures[("api", 16)] = {**figures[("api", 16)], "rps": 200.0, "rps_rounds": [100, 200, 300]}
    figures[("ceiling", 16)] = {**figures[("ceiling", 16)], "rps": 300.0,
                                "rps_rounds": [150, 500, 600]}  # fmt: skip
    row = common.compared("core", "me", "api", "ceiling", figures)
    assert row.ratio == pytest.approx(0.5)
    assert (row.extra["ratio_min"], row.extra["ratio_max"]) == (pytest.approx(0.4), 0.5 + 1 / 6)
    assert common.ratio_cell(row) == "50% (40-67%)"


class _FakeTarget:
    def __init__(self, name: str, calls: list) -> None:
        self.name, self.calls = name, calls

    def load(self, duration: float, connections: int) -> dict:
        self.calls.append((self.name, connections, duration))
        rps = 100.0 if self.name == "api" else 200.0
        return {"rps": rps, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0, "errors": 0}


def test_interleaved_pairs_api_and_ceiling_back_to_back_swapping_the_order(monkeypatch):
    calls: list = []
    starts: list[str] = []
    monkeypatch.setattr(common, "round_started", starts.append)
    targets = {"api": _FakeTarget("api", calls), "ceiling": _FakeTarget("ceiling", calls)}
    figures = common.interleaved(
        targets, rounds=3, duration=2.5, connections=(16, 2), warmup=0, log=lambda line: None
    )
    assert [(name, conns) for name, conns, _ in calls] == [
        ("api", 16), ("ceiling", 16), ("api", 2), ("ceiling", 2),
        ("ceiling", 16), ("api", 16), ("ceiling", 2), ("api", 2),
        ("api", 16), ("ceiling", 16), ("api", 2), ("ceiling", 2),
    ]  # fmt: skip
    assert len(starts) == 3
    assert starts[0] == "round 1 of 3: api, ceiling"
    assert figures[("api", 16)]["rps_rounds"] == [100.0, 100.0, 100.0]
    row = common.compared("core", "me", "api", "ceiling", figures)
    assert common.ratio_cell(row) == "50% (50-50%)"


def test_replace_section_keeps_everything_outside_the_markers():
    others = "# Benchmarks\n\nIntro.\n\n## Core platform\n\nOld figures.\n"
    once = all_run.replace_section(others, "SECTION-1\n")
    assert once == "# Benchmarks\n\nIntro.\n\nSECTION-1\n\n## Core platform\n\nOld figures.\n"

    first = all_run.render_section(_latest(_run(), [_row("jobs")], ["jobs"]))
    written = all_run.replace_section(others, first)
    again = _run(date="2026-12-07 09:00 UTC")
    second = all_run.render_section(_latest(again, [_row("jobs")], ["jobs"]))
    rewritten = all_run.replace_section(written, second)
    assert "2026-12-06" not in rewritten
    assert rewritten.count(all_run.START) == 1
    assert rewritten.startswith("# Benchmarks\n\nIntro.\n\n" + all_run.START)
    assert rewritten.endswith("## Core platform\n\nOld figures.\n")
    assert all_run.replace_section(rewritten, second) == rewritten


def test_replace_section_appends_to_a_file_without_headings():
    assert all_run.replace_section("notes\n", "S\n") == "notes\n\nS\n"


def test_the_fastest_of_several_ceilings_is_the_one_compared_with():
    figures = {
        **_figures(),
        ("lateral", 2): {"rps": 500.0, "p50_ms": 2.0, "p95_ms": 4.0, "errors": 0},
        ("lateral", 16): {"rps": 1200.0, "p50_ms": 10.0, "p95_ms": 20.0, "errors": 0},
    }
    row = common.compared("shop", "list", "api", ["ceiling", "lateral"], figures)
    assert row.ratio == pytest.approx(0.25)
    assert row.extra["ceiling"] == "lateral"
