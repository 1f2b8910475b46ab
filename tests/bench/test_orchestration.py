"""The pure parts of `make bench` (bench/common.py, bench/all_run.py): reading wrk's
report, deciding whether a seeded database can be reused, and the table and section
it writes. No server, database or wrk is started here."""

from __future__ import annotations

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
    row = common.compared("jobs", "search", "api", "ceiling", _figures(), rss_mib=90.0)
    return {
        "date": "2026-12-06 22:15 UTC",
        "command": "make bench",
        "arguments": "--duration 4 --rounds 2",
        "machine": "Linux, 2 cores",
        "cores": 2,
        "load_start": "3.10 2.50 2.00",
        "load_end": "0.20 0.30 0.40",
        "wall_seconds": 900.0,
        "seed_seconds": 30.0,
        "duration": 4,
        "rounds": 2,
        "seeds": {"jobs": "seed 1-abc reused"},
        "rows": [row],
        **overrides,
    }


def test_the_section_says_date_command_machine_load_and_holds_the_table():
    section = all_run.render_section(_run())
    assert section.startswith(all_run.START + "\n## Latest full run\n")
    assert section.rstrip().endswith(all_run.END)
    assert "Date: 2026-12-06 22:15 UTC" in section
    assert "`make bench`" in section
    assert "Linux, 2 cores" in section
    assert "3.10 2.50 2.00" in section
    assert "0.20 0.30 0.40" in section
    assert "machine was loaded" in section
    assert "| jobs | search | 6.5 | 13.0 | 300 req/s | 600 | 50% | 90.0 |" in section
    assert "15.0 min" in section


def test_a_quiet_machine_is_not_called_loaded():
    section = all_run.render_section(_run(load_start="0.10 0.1 0.1", load_end="0.5 0.3 0.2"))
    assert "loaded" not in section


def test_the_benchmarks_own_load_at_the_end_does_not_make_the_machine_loaded():
    """By its end the load average counts the run's own servers and clients."""
    section = all_run.render_section(_run(load_start="0.70 2.4 2.4", load_end="4.04 3.39 3.05"))
    assert "loaded" not in section
    assert "4.04 3.39 3.05 (the benchmark's own processes count in it)" in section


def test_replace_section_keeps_everything_outside_the_markers():
    others = "# Benchmarks\n\nIntro.\n\n## Core platform\n\nOld figures.\n"
    once = all_run.replace_section(others, "SECTION-1\n")
    assert once == "# Benchmarks\n\nIntro.\n\nSECTION-1\n\n## Core platform\n\nOld figures.\n"

    first = all_run.render_section(_run())
    written = all_run.replace_section(others, first)
    second = all_run.render_section(_run(date="2026-12-07 09:00 UTC"))
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
