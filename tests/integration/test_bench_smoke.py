"""Every bench entry point runs at the smallest scale on a fresh database and prints its figures.

Nothing here reads a figure: the benches assert no time and neither does this. It only shows that
`make bench` (and each bench on its own) works on a fresh clone, where the bench databases are
empty and each bench has to load what it measures itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import psycopg
import pytest
from psycopg import sql

from bench import summary

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
# Smallest settings that still exercise every figure: the small demo, two runs per figure,
# one tile zoom (z10: a handful of tiles over the urban districts).
SMALL = ["--scale", "small"]
LOADS_DEMO = "loading the small-scale demo"


def _fresh_database(db_url: str, suffix: str) -> str:
    """An empty database with PostGIS beside the test database (as a fresh bench database is)."""
    base = db_url.replace("postgresql+psycopg://", "postgresql://", 1)
    server, test_db = base.rsplit("/", 1)
    name = f"{test_db}_bench_{suffix}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(f"{server}/{name}", autocommit=True) as c:
        c.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return f"{server}/{name}"


def _drop_database(url: str) -> None:
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _tipg_installed() -> bool:
    try:
        metadata.version("tipg")
        metadata.version("uvicorn")
    except metadata.PackageNotFoundError:
        return False
    return True


def test_bench001_every_entry_point_runs_small_on_an_empty_database(db_url, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    runs: dict[str, list[str]] = {
        # What `make bench` runs, in the same form. bench.map runs the map benches itself (here
        # only bench.map_analysis, to save time: bench.map_tiles runs on its own below); its own
        # drill figures go beside the other benches' JSON, for the summary.
        "etl": [
            "-m",
            "bench.etl",
            *SMALL,
            "--baseline-rows",
            "2000",
            "--out",
            str(out / "etl.json"),
        ],
        "map": [
            "-m",
            "bench.map",
            *SMALL,
            "--repeat",
            "2",
            "--skip-tiles",
            "--out-dir",
            str(out / "map"),
            "--out",
            str(out / "map.json"),
        ],
        # Each map bench on its own, on its own empty database.
        "map_analysis": [
            "-m",
            "bench.map_analysis",
            *SMALL,
            "--repeat",
            "2",
            "--out",
            str(out / "map_analysis.json"),
        ],
        "map_tiles": [
            "-m",
            "bench.map_tiles",
            *SMALL,
            "--zooms",
            "10",
            "--out",
            str(out / "map_tiles.json"),
        ],
        "performance": [
            "-m",
            "bench.performance",
            *SMALL,
            "--repeat",
            "2",
            "--out",
            str(out / "performance.json"),
        ],
        "warnings": [
            "-m",
            "bench.warnings",
            *SMALL,
            "--repeat",
            "2",
            "--out",
            str(out / "warnings.json"),
        ],
        "classify": [
            "-m",
            "bench.classify",
            *SMALL,
            "--repeat",
            "1",
            "--out",
            str(out / "classify.json"),
        ],
        "rls": ["-m", "bench.rls", *SMALL, "--repeat", "2", "--out", str(out / "rls.json")],
        "audit": [
            "-m",
            "bench.audit",
            *SMALL,
            "--repeat",
            "2",
            "--out",
            str(out / "audit.json"),
        ],  # fmt: skip
        "dispatch": [
            "-m",
            "bench.dispatch",
            *SMALL,
            "--repeat",
            "2",
            "--cases",
            "2",
            "--seconds",
            "1",
            "--workers",
            "1",
            "--classify-repeat",
            "1",
            "--out",
            str(out / "dispatch.json"),
        ],
        "wall": ["-m", "bench.wall", *SMALL, "--repeat", "2", "--out", str(out / "wall.json")],
        "partitions": [
            "-m",
            "bench.partitions",
            *SMALL,
            "--copies",
            "2",
            "--repeat",
            "1",
            "--out",
            str(out / "partitions.json"),
        ],
        "reports": [
            "-m",
            "bench.reports",
            *SMALL,
            "--repeat",
            "1",
            "--out",
            str(out / "reports.json"),
        ],
        "wall_endurance": [
            "-m",
            "bench.wall_endurance",
            *SMALL,
            "--minutes",
            "0.1",
            "--every-s",
            "3",
            "--out",
            str(out / "wall_endurance.json"),
        ],
        # Not in `make bench` (the province load takes a quarter of an hour): the small city, no
        # Hohhot database beside it, no `zongzhi serve` for the worker's memory.
        "province": [
            "-m",
            "bench.province",
            *SMALL,
            "--repeat",
            "2",
            "--zooms",
            "10",
            "--tiles-per-zoom",
            "3",
            "--hohhot-database",
            "",
            "--skip",
            "worker_memory",
            "--out",
            str(out / "province.json"),
        ],
        # Run as the bench README says: a script path, not a module.
        "copy_bench": [str(ROOT / "bench" / "copy_bench.py"), "--rows", "3000", "--warm-up", "500"],
    }
    urls = {name: _fresh_database(db_url, name) for name in runs}
    procs: dict[str, tuple[subprocess.Popen, Path]] = {}
    started = time.monotonic()
    try:
        # At once: they use separate databases, and the machine waits on PostgreSQL most of the time.
        for name, argv in runs.items():
            env = {k: v for k, v in os.environ.items() if k != "ZONGZHI_DATABASE_URL"}
            env["ZONGZHI_BENCH_DATABASE_URL"] = urls[name]
            log = tmp_path / f"{name}.log"
            with open(log, "wb") as fh:
                procs[name] = (
                    subprocess.Popen(
                        [sys.executable, *argv],
                        cwd=ROOT,
                        env=env,
                        stdout=fh,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                    ),
                    log,
                )
        outputs: dict[str, str] = {}
        codes: dict[str, int] = {}
        for name, (proc, log) in procs.items():
            remaining = max(1.0, 300 - (time.monotonic() - started))
            try:
                codes[name] = proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait()
            outputs[name] = log.read_text(encoding="utf-8", errors="replace")
            print(f"bench {name}: exit {codes[name]} after {time.monotonic() - started:.1f} s")
    finally:
        for proc, _ in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for url in urls.values():
            _drop_database(url)

    for name, code in codes.items():
        assert code == 0, f"bench {name} exited {code}:\n{outputs[name][-4000:]}"
        assert "Traceback" not in outputs[name], outputs[name][-4000:]

    etl = outputs["etl"]
    for line in (
        "generate (small scale, in memory)",
        "rows/s",
        "whole load (COPY, checks, assignment, upsert, indexes, ANALYZE)",
        "baseline on 2,000 patrol rows",
        "ratio ours / to_postgis",
        "our binary COPY alone",
        "geopandas pipeline (sjoin, to_postgis, upsert)",
        "ratio ours / geopandas pipeline",
    ):
        assert line in etl, etl
    partitions = outputs["partitions"]
    for line in (
        "yearly partitions",
        "desk queue (open cases)",
        "same answers from both tables: True",
    ):
        assert line in partitions, partitions

    analysis_lines = ("per-grid values for all", "Gi* over", "ratio:", "counts agree on")
    tile_lines = ("heat disputes", "heat patrols", "mvt grids", "mvt disputes")
    if _tipg_installed():
        tile_lines += ("tipg time / ours (uncached)",)
    else:
        tile_lines += ("skipped: tipg is not installed",)

    whole = outputs["map"]
    assert LOADS_DEMO in whole, whole  # an empty database: bench.map loads the demo itself
    for line in (
        "1. drill steps",
        "geometry per view",
        "== bench.map_analysis ==",
        *analysis_lines,
    ):
        assert line in whole, whole
    assert "== bench.map_tiles ==" not in whole
    assert (out / "map" / "map_analysis.json").is_file()
    assert not (out / "map" / "map.json").exists()  # --out, not --out-dir, says where it goes

    for name, lines in (("map_analysis", analysis_lines), ("map_tiles", tile_lines)):
        assert LOADS_DEMO in outputs[name], outputs[name]
        for line in lines:
            assert line in outputs[name], outputs[name]

    classify = outputs["classify"]
    assert LOADS_DEMO in classify, classify
    for line in (
        "training on",
        "held-out macro-F1",
        "keyword baseline on the same held-out texts",
        "batch 1 ",
        "batch 10,000",
        "batch 1 with the active-model check",
        "ratio: batch 10,000 / single-text loop",
        "ratio: model batch 10,000 / keyword baseline",
    ):
        assert line in classify, classify
    assert (out / "classify.json").is_file()
    audit = outputs["audit"]
    for line in ("audit log: 20,000 entries", "object prefix, 1 % (case:12)", "page 201: keyset",
                 "action list", "user list"):  # fmt: skip
        assert line in audit, audit
    assert "baseline without 0026 skipped" not in audit, audit

    copy = outputs["copy_bench"]
    for line in ("3,000 patrol-visit rows", "(a) copybin.copy_frame", "(d) geopandas to_postgis"):
        assert line in copy, copy
    assert "(a) vs (d) geopandas to_postgis" in copy, copy

    rls = outputs["rls"]
    assert LOADS_DEMO in rls, rls
    for line in ("under RLS (app role) against the owner", "per-grid dispute counts, 365 days",
                 "heat tiles, disputes", "heat tiles, patrols", "grid panel",
                 "ratio RLS / owner (p50)"):  # fmt: skip
        assert line in rls, rls
    assert (out / "rls.json").is_file()

    perf = outputs["performance"]
    assert LOADS_DEMO in perf, perf
    for line in ("visible-case count (floor), all", "departments, 30 days", "mediation, all",
                 "ratio pandas / ours", "figures agree: True"):  # fmt: skip
        assert line in perf, perf
    assert (out / "performance.json").is_file()

    warn = outputs["warnings"]
    assert LOADS_DEMO in warn, warn
    for line in ("(a) detection delay", "planted surges", "(b) false alarms on quiet pairs",
                 "per district per week", "baseline: read the daily counts",
                 "daily job (refresh: read, statistic, store)", "ratio daily job / baseline"):  # fmt: skip
        assert line in warn, warn
    assert (out / "warnings.json").is_file()

    dispatch = outputs["dispatch"]
    assert LOADS_DEMO in dispatch, dispatch
    for line in ("machine: ", "queue, city", "count of open cases (floor), city", "my queue",
                 "transition: supervise", "bare one-row UPDATE", "GET /healthz (baseline)",
                 "POST /open311/v2/requests.json", "ratio healthz / POST", "batch 10,000",
                 "removed the "):  # fmt: skip
        assert line in dispatch, dispatch
    assert (out / "dispatch.json").is_file()

    province = outputs["province"]
    for line in ("generating the small-scale city", "loaded in", "per_grid (", "heat (", "wall ("):
        assert line in province, province
    assert (out / "province.json").is_file()

    for name, lines, json_out in (
        ("wall", ("cold (cache cleared: snapshot built)", "warm (shared cache hit)",
                  "ratio cold / warm (p50)", "targets (full scale)"), "wall.json"),
        ("reports", ("district: ", "city: ", "baseline: read the report's tables (gather)",
                     "baseline: read the case rows (dispute_layer)", "pdf", "gpkg",
                     "ratio format / reading its data alone"), "reports.json"),
        ("wall_endurance", ("/wall open, refresh every 1 s", "heap MiB", "refreshes landed",
                            "end vs start (baseline)"), "wall_endurance.json"),
    ):  # fmt: skip
        assert LOADS_DEMO in outputs[name], outputs[name]
        for line in lines:
            assert line in outputs[name], outputs[name]
        assert (out / json_out).is_file()

    _summary_of_these_runs(out, tmp_path)


# What `make bench` ends with: its JSON (all of it, as written above) summarised into a results
# file that already holds the load test's section and a note after it, both to be kept as they are.
LOADTEST_SECTION = (
    "<!-- loadtest:begin -->\n## Load test with fault drills (`make loadtest`) — 2026-12-04 15:43\n\n"
    "| action | requests | p95 ms |\n|---|---:|---:|\n| desk: open case | 226 | 606 |\n\n"
    "- 督办 222 told done, 0 lost\n<!-- loadtest:end -->\n"
)
SUMMARISED = ("etl", "partitions", "map", "map_analysis", "map_tiles", "performance", "warnings",
              "classify", "audit", "rls", "dispatch", "wall", "reports", "wall_endurance")  # fmt: skip


def _number(text: str) -> tuple[float, int]:
    """The first number in a cell and its decimals (``1,426.4 ms`` → (1426.4, 1))."""
    m = re.search(r"[-+]?[\d,]*\d(?:\.(\d+))?", text)
    assert m, text
    return float(m.group(0).replace(",", "")), len(m.group(1) or "")


def _same(cell: str, value: float) -> None:
    """The cell shows ``value`` as rounded to the cell's decimals."""
    shown, decimals = _number(cell)
    assert abs(shown - value) <= 0.5 * 10**-decimals + 1e-9, (cell, value)


def _pair(cell: str) -> list[str]:
    """``p50 / p95 ms`` → the two numbers' texts."""
    return [part.strip() for part in cell.split(" / ")]


def _summary_of_these_runs(out: Path, tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    before = "# Benchmark results\n\n" + LOADTEST_SECTION + "\nA note after the sections.\n"
    results.write_text(before, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bench.summary", "--out-dir", str(out), "--results", str(results)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    text = results.read_text(encoding="utf-8")
    assert text.count(LOADTEST_SECTION) == 1, text  # byte for byte
    assert text.startswith(before.rstrip("\n")), text
    section = text[text.index(summary.BEGIN) : text.index(summary.END)]

    listed, figures = {}, {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 5 and cells[0] not in ("bench", "---"):
            listed[cells[0]] = cells[1:]
        elif len(cells) == 7 and cells[0] not in ("bench", "---"):
            figures.setdefault(cells[0], {})[cells[1]] = cells[2:]
    for name in SUMMARISED:
        assert listed[name][0] == f"`{name}.json`", (name, listed.get(name))
        assert listed[name][3] == "", listed[name]  # run and read, no note
        assert figures.get(name), f"no rows for {name}:\n{section}"
    assert "not summarised here" in listed["province"][3]
    assert listed["etl"][2] == "small (600 cases, 396 grids)"
    assert listed["map"][2] == "small (600 cases, 396 grids)"

    def data(name: str) -> dict:
        return json.loads((out / f"{name}.json").read_text(encoding="utf-8"))

    # Every bench ran with --scale small and says so at the top of its JSON (bench.map's
    # map_analysis.json too), and the summary shows that scale, not a guess from the sizes.
    for name in SUMMARISED:
        assert data(name).get("scale") == "small", (name, data(name).get("scale"))
        assert listed[name][2] == "small" or listed[name][2].startswith("small ("), listed[name]
    assert data("map/map_analysis")["scale"] == "small"
    for name in SUMMARISED:
        if name != "audit":  # its own log: no demo, so no seed
            assert data(name).get("seed") == summary.DEFAULT_SEED, (name, data(name).get("seed"))
    # These JSON hold every key the summary reads: no figure is missing.
    missing = [(b, f, c[0]) for b, rows in figures.items() for f, c in rows.items()
               if c[0].startswith(("missing", "unreadable"))]  # fmt: skip
    assert not missing, missing

    # bench.map's rows are its JSON's drill figures: every step, the filtered city step, and the
    # geometry per view.
    drill = data("map")
    assert [s["level"] for s in drill["drill"]] == ["city", "district", "township", "community",
                                                   "grid"]  # fmt: skip
    for s in drill["drill"]:
        shown = "" if s["level"] == "grid" else f" ({s['children']:,} children)"
        row = figures["map"][f"drill step, {s['level']}{shown}, p50 / p95"]
        for cell, key in zip(_pair(row[0]), ("p50", "p95"), strict=True):
            _same(cell, s[key])
    row = figures["map"]["drill step, city, 30 d + high risk + two sources, p50 / p95"]
    for cell, key in zip(_pair(row[0]), ("p50", "p95"), strict=True):
        _same(cell, drill["city_filtered"][key])
    _same(row[1].removeprefix("no filter: "), drill["drill"][0]["p50"])
    _same(row[2], drill["city_filtered"]["p50"] / drill["drill"][0]["p50"])
    assert set(drill["geometry"]) == {"city", "district", "township", "community"}
    for level, g in drill["geometry"].items():
        row = figures["map"][f"geometry per {level} view (geobuf), median / max"]
        median, top = _pair(row[0].split(" KB")[0])
        _same(median, g["median_bytes"] / 1024)
        _same(top, g["max_bytes"] / 1024)
        assert f"over {g['views']:,} view" in row[0], row[0]
        assert row[4] == ("yes" if g["max_bytes"] <= 1024 * 1024 else "no")
    assert len(figures["map"]) == len(drill["drill"]) + 1 + len(drill["geometry"])

    etl = data("etl")
    row = figures["etl"]["whole load (COPY, checks, assignment, upsert, indexes, ANALYZE)"]
    _same(row[0], etl["load_s"])
    assert row[3:] == ["≤ 90 s", "yes" if etl["load_s"] <= 90 else "no"]
    row = figures["etl"]["patrol rows, whole path vs to_postgis"]
    _same(row[0], etl["baseline"]["rows"] / etl["baseline"]["ours_s"])
    _same(row[2], etl["baseline"]["ratio"])

    grid = data("map_analysis")["per_grid_ms"]["disputes, last 365 days"]
    row = figures["map_analysis"]["per-grid disputes, last 365 days, p50 / p95"]
    for cell, key in zip(_pair(row[0]), ("p50", "p95"), strict=True):
        _same(cell, grid[key])
    assert row[4] == ("yes" if grid["p95"] <= 150 else "no")

    heat = data("map_tiles")["heat"]["disputes 30d"]["uncached_ms"]
    row = figures["map_tiles"]["heat disputes 30d, uncached, p50 / p95"]
    for cell, q in zip(_pair(row[0]), (50, 95), strict=True):
        _same(cell, float(np.percentile(heat, q)))

    for name, read in data("rls")["reads"].items():
        row = figures["rls"][f"{name}, district user under RLS, p50 / p95"]
        _same(row[2], read["ratio_p50"])
        _same(_pair(row[0])[1], read["rls"]["p95"])
        assert row[4] == ("yes" if read["ratio_p50"] <= 1.2 else "no")

    dispatch = data("dispatch")
    row = figures["dispatch"]["queue, city, p50 / p95"]
    _same(_pair(row[0])[0], dispatch["queue"]["city"]["queue"]["p50"])
    _same(row[2], dispatch["queue"]["city"]["ratio_queue_over_count_p50"])
    row = figures["dispatch"]["Open311 POST over HTTP: rate; p50 / p95"]
    _same(row[0], dispatch["open311"]["post"]["ok_per_s"])

    wall = data("wall")[summary.WALL_COLD]
    row = figures["wall"]["refresh, cold (snapshot built), p50 / p95"]
    _same(_pair(row[0])[1], wall["p95"])
    _same(row[2], data("wall")["ratio cold / warm (p50)"])

    warnings = data("warnings")
    delays = [c[0] for f, c in figures["warnings"].items() if f.startswith("detection delay")]
    assert delays == [
        "missed" if s["own_delay_days"] is None else f"{s['own_delay_days']} d"
        for s in warnings["surges"]
    ]
    perf = data("performance")
    _same(figures["performance"]["departments, 365 days, p50 / p95"][2],
          perf["ratio baseline / ours, 365 days"])  # fmt: skip
    classify = data("classify")["throughput"]["batch 10,000"]
    _same(figures["classify"]["classification, batch 10,000, CPU"][0], classify["cpu_texts_per_s"])
    reports = data("reports")["city: ratio format / its data read (p50)"]
    _same(figures["reports"]["city: PDF, p50 / p95"][2], reports["pdf"])
    audit = data("audit")["searches"]["object prefix, 1 % (case:12)"]["page"]
    _same(_pair(figures["audit"]["search: object prefix, 1 % (case:12), one page, p50 / p95"][0])[0],
          audit["p50"])  # fmt: skip
