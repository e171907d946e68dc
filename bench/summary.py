"""The benches' headline figures in one table: the last step of ``make bench``.

    python -m bench.summary [--out-dir bench/out] [--results bench/RESULTS.md]

Reads the JSON each bench wrote to ``--out-dir`` (``bench/out/<name>.json``, its ``--out``) and
writes the section between ``<!-- bench:begin -->`` and ``<!-- bench:end -->`` of ``--results``
(made, or appended, when absent; the load test's section and anything else stay as they are):
the date, the machine (cores, load average), each bench's file time and the scale it measured,
then one table — bench | figure | value | baseline | ratio | target | met — with the figures
bench/README.md quotes. A bench whose JSON is missing is listed as not run; a figure whose key is
missing from its JSON is listed as missing, never left out. It measures nothing itself.

The scale is the one each bench recorded (its ``--scale``, and ``--seed`` when not the default),
with the sizes it found: a bench measures a database that already holds data as it is, so when
those sizes are another scale's the cell says so. A JSON that recorded no scale (an older bench)
gets a guess from its sizes, labelled ``guess:``.

The targets are the issues' (the benches print the same); they are stated for full scale, so at
small scale "met" says little.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import AUDIT_LOG_ROWS, DEFAULT_SEED, pct, write_section

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
MISSING, UNREADABLE = "missing", "unreadable"
# The demo's sizes per scale (bench/README.md), to name the scale a JSON's sizes belong to (the
# grids are the default seed's; the cases are the same whatever the seed).
KNOWN_GRIDS = {396: "small", 6158: "full", 30790: "province"}
KNOWN_CASES = {600: "small", 26000: "full"}
KNOWN_LOG_ROWS = {rows: scale for scale, rows in AUDIT_LOG_ROWS.items()}


class Missing(LookupError):
    """A figure's key is not in the bench's JSON."""


def get(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]…``; ``Missing`` naming the path when a step is not there."""
    node = data
    for i, key in enumerate(path):
        if not isinstance(node, dict) or key not in node or node[key] is None:
            raise Missing(" → ".join(path[: i + 1]))
        node = node[key]
    return node


def num(data: Any, *path: str) -> float:
    value = get(data, *path)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Missing(f"{' → '.join(path)} (not a number: {value!r})")
    return float(value)


# -- formatting ------------------------------------------------------------------------------


def ms(x: float) -> str:
    return f"{x:,.1f} ms"


def p50_p95(stats: dict[str, Any], *path: str) -> str:
    """``p50 / p95 ms`` of a ``bench.common.pct`` dict at ``path``."""
    return f"{num(stats, *path, 'p50'):,.1f} / {num(stats, *path, 'p95'):,.1f} ms"


def seconds(x: float) -> str:
    return f"{x:,.2f} s"


def rate(x: float, unit: str) -> str:
    return f"{x:,.0f} {unit}/s"


def times(x: float, how: str) -> str:
    return f"{x:,.2f}× ({how})"


def yes(ok: bool) -> str:
    return "yes" if ok else "no"


def percentiles(values: Any, *path: str) -> tuple[float, float]:
    """p50 and p95 of a list of times in the JSON (as ``bench.common.pct`` computes them)."""
    raw = get(values, *path)
    if not isinstance(raw, list) or not raw:
        raise Missing(f"{' → '.join(path)} (no times)")
    p = pct(raw)
    return p["p50"], p["p95"]


# -- one bench's rows ------------------------------------------------------------------------


@dataclass
class Row:
    bench: str
    figure: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""


Cells = tuple[str, ...]  # value, baseline, ratio, target, met (the last ones optional)


class Table:
    """The rows of one bench. Each figure is computed on its own: a key missing from the JSON
    makes that row say so, and the other rows are still computed."""

    def __init__(self, bench: str, data: dict[str, Any]) -> None:
        self.bench, self.data = bench, data
        self.rows: list[Row] = []

    def row(self, figure: str, cells: Callable[[], Cells]) -> None:
        try:
            got = cells()
        except Missing as exc:
            self.rows.append(Row(self.bench, figure, f"{MISSING} (`{exc.args[0]}`)"))
            return
        except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError) as exc:
            # There, but not as this summary reads it (a list for a dict, a zero time …).
            what = f"{type(exc).__name__}: {exc}"
            self.rows.append(Row(self.bench, figure, f"{UNREADABLE} (`{what}`)"))
            return
        self.rows.append(Row(self.bench, figure, *got))

    def each(self, figure: str, items: Callable[[], Any]) -> Iterable[Any]:
        """The items of a figure listed in the JSON (``figure`` is named missing without them)."""
        try:
            got = items()
        except Missing as exc:
            self.rows.append(Row(self.bench, figure, f"{MISSING} (`{exc.args[0]}`)"))
            return []
        if not isinstance(got, dict | list) or not got:
            self.rows.append(Row(self.bench, figure, f"{MISSING} (none listed: `{got!r}`)"))
            return []
        return got

    def p50_p95_row(self, figure: str, path: tuple[str, ...], target_ms: float | None = None,
                    baseline: tuple[str, tuple[str, ...]] | None = None,
                    inverse: bool = False, ours: str = "ours") -> None:  # fmt: skip
        """A p50 / p95 figure, against a baseline (ratio of the p50s: ``ours`` / baseline, or
        baseline / ``ours`` when ``inverse``, as the bench states it) and a p95 target."""

        def cells() -> Cells:
            d = self.data
            value = p50_p95(d, *path)
            base = ratio = ""
            if baseline is not None:
                name, where = baseline
                base = f"{name}: {p50_p95(d, *where)}"
                p50, base_p50 = num(d, *path, "p50"), num(d, *where, "p50")
                if inverse:
                    ratio = times(base_p50 / p50, f"{name} / {ours}, p50")
                else:
                    ratio = times(p50 / base_p50, f"{ours} / {name}, p50")
            if target_ms is None:
                return value, base, ratio
            return (value, base, ratio, f"p95 ≤ {target_ms:,.0f} ms",
                    yes(num(d, *path, "p95") <= target_ms))  # fmt: skip

        self.row(f"{figure}, p50 / p95", cells)


# -- the extractors: one per bench, reading what that bench writes -----------------------------


def _count(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _demo(grids: Any = None, cases: Any = None) -> tuple[str | None, list[str]]:
    """The demo scale these sizes are (None when they are no known scale's), and the sizes."""
    sizes: list[str] = []
    label = None
    if _count(cases):
        sizes.append(f"{cases:,.0f} cases")
        label = KNOWN_CASES.get(int(cases))
    if _count(grids):
        sizes.append(f"{grids:,.0f} grids")
        label = KNOWN_GRIDS.get(int(grids), label)
    return label, sizes


def _measured(data: Any, found: str | None, sizes: list[str]) -> str:
    """The scale cell: the ``scale`` (and a ``seed`` other than the default) the bench recorded,
    with the sizes it found — named another scale's when they are; without a recorded scale (an
    older JSON), a guess from the sizes, labelled so."""
    what = ", ".join(sizes)
    recorded = _opt(data, "scale")
    if isinstance(recorded, str):
        seed = _opt(data, "seed")
        asked = recorded if seed is None or seed == DEFAULT_SEED else f"{recorded}, seed {seed}"
        if found is not None and found != recorded:
            return f"{found} by its sizes ({what}); --scale {asked} asked"
        return f"{asked} ({what})" if what else asked
    if found is not None:
        return f"guess: {found} ({what}; no scale recorded)"
    return f"not recorded ({what})" if what else "not recorded"


def _opt(data: Any, *path: str) -> Any:
    try:
        return get(data, *path)
    except Missing:
        return None


def etl(t: Table) -> str:
    d = t.data
    t.row(
        "whole load (COPY, checks, assignment, upsert, indexes, ANALYZE)",
        lambda: (seconds(num(d, "load_s")), "", "", "≤ 90 s", yes(num(d, "load_s") <= 90)),
    )
    t.row("generate the city in memory", lambda: (seconds(num(d, "generate_s")),))
    t.row("patrols kind (validate, COPY, grid assignment, upsert)",
          lambda: (seconds(num(d, "report", "seconds", "patrols")),))  # fmt: skip

    def to_postgis() -> Cells:
        n = num(d, "baseline", "rows")
        r = num(d, "baseline", "ratio")
        return (rate(n / num(d, "baseline", "ours_s"), "rows"),
                f"to_postgis: {rate(n / num(d, 'baseline', 'to_postgis_s'), 'rows')}",
                times(r, "ours / to_postgis, rate"), "≥ 5×", yes(r >= 5))  # fmt: skip

    t.row("patrol rows, whole path vs to_postgis", to_postgis)

    def copy_only() -> Cells:
        n, r = num(d, "baseline", "rows"), num(d, "baseline", "copy_ratio")
        return (rate(n / num(d, "baseline", "copy_only_s"), "rows"),
                f"to_postgis: {rate(n / num(d, 'baseline', 'to_postgis_s'), 'rows')}",
                times(r, "ours / to_postgis, rate"))  # fmt: skip

    t.row("patrol rows, our binary COPY alone", copy_only)

    def pipeline() -> Cells:
        r = num(d, "baseline", "ratio_vs_geopandas_pipeline")
        return (seconds(num(d, "baseline", "ours_from_file_s")),
                f"geopandas pipeline: {seconds(num(d, 'baseline', 'geopandas_pipeline_s'))}",
                times(r, "geopandas / ours, time"), "≥ 3×", yes(r >= 3))  # fmt: skip

    t.row("patrol rows from a GeoPackage, ours vs geopandas pipeline", pipeline)
    kinds = _opt(d, "report", "kinds") or {}
    return _measured(d, *_demo(_opt(kinds, "grids", "read"), _opt(kinds, "disputes", "read")))


def partitions(t: Table) -> str:
    d = t.data
    for name in t.each("queries", lambda: get(d, "figures", "bench_flat")):
        t.p50_p95_row(f"{name}, partitioned by year", ("figures", "bench_part", name),
                      baseline=("plain", ("figures", "bench_flat", name)),
                      ours="partitioned")  # fmt: skip
    t.row("same answers from both tables", lambda: (yes(get(d, "same") is True),))
    rows, parts, copies = _opt(d, "rows"), _opt(d, "partitions"), _opt(d, "copies")
    if not _count(rows):
        return _measured(d, None, [])
    if not _count(copies) or copies < 1:  # an older JSON: the demo's cases are not known
        return _measured(d, None, [f"{rows:,} cases in each table", f"{parts} yearly partitions"])
    # Each table holds ``copies`` copies of the demo's cases.
    found, sizes = _demo(cases=rows / copies)
    return _measured(d, found, [f"{sizes[0]} × {copies:,} copies in each table",
                                f"{parts} yearly partitions"])  # fmt: skip


GEOMETRY_LIMIT = 1024 * 1024  # bytes of one view's geometry (geobuf): ≤ 1 MB


def map_drill(t: Table) -> str:
    """bench.map's own figures: the drill steps along the busiest path, the city step under a
    narrow filter, and the geometry a view downloads."""
    d = t.data
    steps = t.each("drill steps", lambda: get(d, "drill"))
    for s in steps:
        level, children = s.get("level", "?"), s.get("children")
        shown = f" ({children:,} children)" if level != "grid" and _count(children) else ""
        t.row(f"drill step, {level}{shown}, p50 / p95", lambda s=s: (p50_p95(s),))

    def filtered() -> Cells:
        city = next((s for s in steps if s.get("level") == "city"), None)
        if city is None:
            raise Missing("drill → city")
        ratio = num(d, "city_filtered", "p50") / num(city, "p50")
        return (p50_p95(d, "city_filtered"), f"no filter: {p50_p95(city)}",
                times(ratio, "filtered / unfiltered, p50"))  # fmt: skip

    t.row("drill step, city, 30 d + high risk + two sources, p50 / p95", filtered)
    for level in t.each("geometry per view", lambda: get(d, "geometry")):

        def geometry(level: str = level) -> Cells:
            g = ("geometry", level)
            top, views = num(d, *g, "max_bytes"), num(d, *g, "views")
            return (f"{num(d, *g, 'median_bytes') / 1024:,.1f} / {top / 1024:,.1f} KB over"
                    f" {views:,.0f} view{'' if views == 1 else 's'}", "", "", "≤ 1 MB per view",
                    yes(top <= GEOMETRY_LIMIT))  # fmt: skip

        t.row(f"geometry per {level} view (geobuf), median / max", geometry)
    return _measured(d, *_demo(_opt(d, "sizes", "grid"), _opt(d, "sizes", "dispute")))


PER_GRID = (
    "disputes, last 365 days",
    "disputes, last 30 days",
    "disputes, all time, open statuses",
    "patrol figures, last 30 days (SQL)",
    "patrol figures, 30 days (layer, cached)",
)


def map_analysis(t: Table) -> str:
    d = t.data
    for name in PER_GRID:
        t.p50_p95_row(f"per-grid {name}", ("per_grid_ms", name), target_ms=150)
    t.row("Gi* cold (contiguity built)", lambda: (ms(num(d, "gi_star", "cold_ms")),))
    t.p50_p95_row("Gi* warm", ("gi_star", "warm_ms"), target_ms=2000)

    def naive() -> Cells:
        r = num(d, "baseline", "ratio")
        return (ms(num(d, "baseline", "ours_ms", "p50")),
                f"geopandas read_postgis + sjoin: {ms(num(d, 'baseline', 'geopandas_ms', 'p50'))}",
                times(r, "geopandas / ours, p50"), "≥ 20×", yes(r >= 20))  # fmt: skip

    t.row("per-grid counts 365 d, p50, ours vs naive geopandas", naive)
    t.row("counts agree with geopandas on grids", lambda: (f"{num(d, 'baseline', 'agree'):,.0f}",
          "", "", f"all {num(d, 'sizes', 'grid'):,.0f}",
          yes(num(d, "baseline", "agree") == num(d, "sizes", "grid"))))  # fmt: skip
    return _measured(d, *_demo(_opt(d, "sizes", "grid"), _opt(d, "sizes", "dispute")))


def map_tiles(t: Table) -> str:
    d = t.data
    for name in t.each("heat tiles", lambda: get(d, "heat")):

        def heat(name: str = name, key: str = "uncached_ms", limit: float = 100) -> Cells:
            p50, p95 = percentiles(d, "heat", name, key)
            return (
                f"{p50:,.1f} / {p95:,.1f} ms",
                "",
                "",
                f"p95 ≤ {limit:,.0f} ms",
                yes(p95 <= limit),
            )

        t.row(f"heat {name}, uncached, p50 / p95", heat)
        t.row(f"heat {name}, cached, p50 / p95", lambda name=name: heat(name, "cached_ms", 10))
    for layer in ("grids", "disputes"):

        def mvt(layer: str = layer) -> Cells:
            p50, p95 = percentiles(d, "mvt", layer, "ms")
            return (f"{p50:,.1f} / {p95:,.1f} ms", "", "", "no tile capped",
                    yes(num(d, "mvt", layer, "capped") == 0))  # fmt: skip

        t.row(f"vector tiles ({layer}), p50 / p95", mvt)
    if "tipg" in d and d["tipg"] is None:
        t.row("grid tiles over HTTP vs tipg", lambda: ("skipped (tipg not installed)",))
    else:

        def tipg() -> Cells:
            ours, ours95 = percentiles(d, "tipg", "ours_ms")
            base, base95 = percentiles(d, "tipg", "tipg_ms")
            return (f"{ours:,.1f} / {ours95:,.1f} ms", f"tipg: {base:,.1f} / {base95:,.1f} ms",
                    times(base / ours, "tipg / ours, p50"))  # fmt: skip

        t.row("grid tiles over HTTP, ours uncached vs tipg, p50 / p95", tipg)
    found, sizes = _demo(cases=_opt(d, "cases"))
    tiles = _opt(d, "tiles")
    return _measured(d, found, sizes + ([f"{tiles:,} tiles"] if _count(tiles) else []))


def performance(t: Table) -> str:
    for period in ("30 days", "365 days", "all"):
        t.p50_p95_row(f"departments, {period}", (f"departments, {period}",),
                      baseline=("pandas", (f"pandas baseline, {period}",)), inverse=True)  # fmt: skip
        t.p50_p95_row(f"mediation, {period}", (f"mediation, {period}",))
    for label in ("hit", "miss"):
        t.p50_p95_row(f"guide lookup, {label}", (f"guide lookup, {label}",))
    return _measured(t.data, *_demo(cases=_opt(t.data, "cases")))


def warnings(t: Table) -> str:
    d = t.data
    for s in t.each("planted surges", lambda: get(d, "surges")):

        def surge(s: dict = s) -> Cells:
            delay = _opt(s, "own_delay_days")
            value = "missed" if delay is None else f"{delay} d"
            return (value, "", "", "≤ 14 d", yes(delay is not None and delay <= 14))

        where = f"{s.get('area_code', '?')} {s.get('type_code', '?')} {s.get('shape', '')}"
        t.row(f"detection delay, surge {where.strip()} from {s.get('onset', '?')}", surge)
    t.row("false alarms on quiet pairs, per district per week", lambda: (
        f"{num(d, 'false_alarms', 'per_district_per_week'):.3f}", "", "", "≤ 0.1",
        yes(num(d, "false_alarms", "per_district_per_week") <= 0.1)))  # fmt: skip
    t.p50_p95_row("daily job (refresh: read, statistic, store)",
                  ("daily job (refresh: read, statistic, store)",), target_ms=2000,
                  baseline=("read the daily counts", ("baseline: read the daily counts",)))  # fmt: skip
    # The demo as the bench found it in the database (its seed may not be the one asked).
    found, sizes = _opt(d, "demo", "scale"), []
    seed, asked = _opt(d, "demo", "seed"), _opt(d, "seed")
    if seed is not None and seed != asked:
        sizes.append(f"demo seed {seed}")
    if isinstance(d.get("surges"), list):
        sizes.append(f"{len(d['surges'])} planted surges")
    return _measured(d, found, sizes)


def classify(t: Table) -> str:
    d = t.data
    t.row("held-out macro-F1", lambda: (f"{num(d, 'training', 'macro_f1'):.3f}",))

    def top1() -> Cells:
        ours, base = num(d, "training", "top1_accuracy"), num(d, "keyword_baseline_top1_accuracy")
        return f"{ours:.3f}", f"keyword match: {base:.3f}", f"{ours - base:+.3f} (ours − keyword)"

    t.row("held-out top-1 accuracy", top1)
    t.row("held-out top-3 accuracy", lambda: (f"{num(d, 'training', 'top3_accuracy'):.3f}",))
    t.row("training (held-out fit + refit), wall / CPU", lambda: (
        f"{num(d, 'training', 'wall_s'):,.1f} / {num(d, 'training', 'cpu_s'):,.1f} s",))  # fmt: skip
    big = ("throughput", "batch 10,000")
    for kind in ("wall", "cpu"):

        def batch(kind: str = kind) -> Cells:
            ours = num(d, *big, f"{kind}_texts_per_s")
            one = num(d, "throughput", "batch 1", f"{kind}_texts_per_s")
            return (rate(ours, "texts"), f"batch 1: {rate(one, 'texts')}",
                    times(ours / one, "batch / single, rate"), "≥ 2,000 texts/s",
                    yes(ours >= 2000))  # fmt: skip

        t.row(f"classification, batch 10,000, {kind.replace('cpu', 'CPU')}", batch)

    def keyword() -> Cells:
        ours = num(d, *big, "wall_texts_per_s")
        kw = num(d, "throughput", "keyword baseline, batch 10,000", "wall_texts_per_s")
        return (
            rate(ours, "texts"),
            f"keyword match: {rate(kw, 'texts')}",
            times(ours / kw, "ours / keyword, rate"),
        )

    t.row("classification, batch 10,000 vs keyword match, wall", keyword)
    cases = _opt(d, "training", "cases")
    if not _count(cases):
        return _measured(d, None, [])
    # The demo's cases with a text (a few have none): about 600 small, 26,000 full.
    found = "small" if cases <= 600 else "full" if 25_000 <= cases <= 26_000 else None
    return _measured(d, found, [f"{cases:,} labelled cases"])


def audit(t: Table) -> str:
    d = t.data
    before = d.get("without_0026")
    for name in t.each("searches", lambda: get(d, "searches")):
        if before is None:
            t.p50_p95_row(f"search: {name}, one page", ("searches", name, "page"))
            t.rows[-1].baseline = "without 0026: skipped"
        else:
            t.p50_p95_row(f"search: {name}, one page", ("searches", name, "page"),
                          baseline=("without 0026", ("without_0026", name, "page")),
                          inverse=True)  # fmt: skip
    t.p50_p95_row("page 201: keyset", ("deep_page", "keyset"),
                  baseline=("OFFSET 10,000", ("deep_page", "offset")), inverse=True)  # fmt: skip
    t.p50_p95_row("action list: skip scan", ("actions", "skip_scan"),
                  baseline=("SELECT DISTINCT", ("actions", "distinct")), inverse=True)  # fmt: skip
    t.p50_p95_row("user list with last sign-in", ("user_list",))
    rows = _opt(d, "log_rows")
    if not _count(rows):
        return _measured(d, None, [])
    # Its own synthetic log, not the demo: entries per scale (bench.common.AUDIT_LOG_ROWS).
    return _measured(d, KNOWN_LOG_ROWS.get(int(rows), "other"), [f"{rows:,} log entries"])


def rls(t: Table) -> str:
    d = t.data
    for name in t.each("reads", lambda: get(d, "reads")):

        def read(name: str = name) -> Cells:
            r = num(d, "reads", name, "ratio_p50")
            return (p50_p95(d, "reads", name, "rls"), f"owner: {p50_p95(d, 'reads', name, 'owner')}",
                    times(r, "RLS / owner, p50"), "≤ 1.2×", yes(r <= 1.2))  # fmt: skip

        t.row(f"{name}, district user under RLS, p50 / p95", read)
    found, sizes = _demo(_opt(d, "grids"), _opt(d, "cases"))
    if _opt(d, "district") is not None:
        sizes.append(f"district {d['district']}")
    return _measured(d, found, sizes)


def dispatch(t: Table) -> str:
    d = t.data
    for label in t.each("queue", lambda: get(d, "queue")):
        t.p50_p95_row(f"queue, {label}", ("queue", label, "queue"), target_ms=50,
                      baseline=("count of open cases", ("queue", label, "count_floor")),
                      ours="queue")  # fmt: skip
    t.p50_p95_row("one transition (督办), committed", ("transition", "transition"), target_ms=20,
                  baseline=("bare one-row UPDATE", ("transition", "bare_update")),
                  ours="transition")  # fmt: skip
    t.p50_p95_row("register (接办), committed", ("transition", "register"))

    def post() -> Cells:
        p, h = ("open311", "post"), ("open311", "healthz")
        per_s, p95 = num(d, *p, "ok_per_s"), num(d, *p, "p95")
        return (f"{per_s:,.1f} req/s; {p50_p95(d, *p)}",
                f"GET /healthz: {num(d, *h, 'ok_per_s'):,.1f} req/s",
                times(num(d, *h, "ok_per_s") / per_s, "healthz / POST, rate"),
                "≥ 200 req/s, p95 ≤ 100 ms", yes(per_s >= 200 and p95 <= 100))  # fmt: skip

    t.row("Open311 POST over HTTP: rate; p50 / p95", post)
    t.row("Open311 POST, CPU per request: server / PostgreSQL", lambda: (
        f"{num(d, 'open311', 'post', 'cpu_ms_per_request', 'server'):,.1f} / "
        f"{num(d, 'open311', 'post', 'cpu_ms_per_request', 'postgres'):,.1f} ms",))  # fmt: skip

    def batch() -> Cells:
        ours = num(d, "classification", "batch", "wall_texts_per_s")
        one = num(d, "classification", "single", "wall_texts_per_s")
        return (rate(ours, "texts"), f"batch 1: {rate(one, 'texts')}",
                times(ours / one, "batch / single, rate"), "≥ 2,000 texts/s", yes(ours >= 2000))  # fmt: skip

    t.row("classification, batch 10,000, wall", batch)
    return _measured(d, *_demo(_opt(d, "grids"), _opt(d, "cases")))


WALL_COLD, WALL_WARM = "cold (cache cleared: snapshot built)", "warm (shared cache hit)"


def wall(t: Table) -> str:
    d = t.data
    t.p50_p95_row("refresh, cold (snapshot built)", (WALL_COLD,), target_ms=300,
                  baseline=("warm", (WALL_WARM,)), ours="cold")  # fmt: skip
    t.p50_p95_row("refresh, warm (shared cache hit)", (WALL_WARM,), target_ms=300)
    t.row("bytes per refresh", lambda: (f"{num(d, WALL_WARM, 'bytes') / 1024:,.1f} KB", "", "",
          "≤ 100 KB", yes(num(d, WALL_WARM, "bytes") <= 100 * 1024)))  # fmt: skip
    return _measured(d, *_demo(cases=_opt(d, "cases")))


def reports(t: Table) -> str:
    for label, limit_s in (("district", 10), ("city", 30)):
        tables = ("its tables", (f"{label}: baseline: read the report's tables (gather)",))
        rows = ("its case rows", (f"{label}: baseline: read the case rows (dispute_layer)",))
        for fmt, baseline in (("pdf", tables), ("xlsx", tables), ("gpkg", rows), ("csv", rows)):
            t.p50_p95_row(f"{label}: {fmt.upper()}", (f"{label}: {fmt}",),
                          target_ms=limit_s * 1000 if fmt == "pdf" else None,
                          baseline=baseline, ours=fmt.upper())  # fmt: skip
    city = _opt(t.data, "cases in the period", "city")
    return _measured(t.data, None, [f"{city:,} cases in the period"] if _count(city) else [])


def wall_endurance(t: Table) -> str:
    d = t.data

    def heap() -> Cells:
        first = get(d, "samples")[0][1]["heap"]
        change = num(d, "change", "heap")
        return (f"{change / 2**20:+,.2f} MiB ({100 * change / first:+.1f} %)",
                f"at the start: {first / 2**20:,.2f} MiB")  # fmt: skip

    t.row("JS heap, end vs start", heap)
    t.row("DOM nodes, end vs start", lambda: (f"{num(d, 'change', 'nodes'):+,.0f}",))
    t.row("refreshes landed / failed", lambda: (
        f"{num(d, 'refreshes'):,.0f} / {num(d, 'failed'):,.0f} in {num(d, 'seconds'):,.0f} s",))  # fmt: skip
    return _measured(d, None, [])


# ``make bench``'s benches in its order (bench.map writes map.json, its drill steps, and runs the
# two that write map_analysis.json and map_tiles.json), then the ones run by hand that have a
# figure to show here.
EXTRACTORS: dict[str, Callable[[Table], str]] = {
    "etl": etl,
    "partitions": partitions,
    "map": map_drill,
    "map_analysis": map_analysis,
    "map_tiles": map_tiles,
    "performance": performance,
    "warnings": warnings,
    "classify": classify,
    "audit": audit,
    "rls": rls,
    "dispatch": dispatch,
    "wall": wall,
    "reports": reports,
    "wall_endurance": wall_endurance,
}
# In make bench: listed as "not run" when their JSON is missing. The others only when present.
IN_MAKE_BENCH = tuple(name for name in EXTRACTORS if name != "wall_endurance")
# JSON written by benches that this table does not summarise, and why.
ELSEWHERE = {
    "loadtest": "its own section of this file (`make loadtest`)",
    "province": "by hand, not in `make bench`: its figures are in bench/README.md",
}


@dataclass
class Bench:
    name: str
    path: Path | None
    written: str
    scale: str
    note: str = ""


def summarise(out_dir: Path) -> tuple[list[Bench], list[Row]]:
    """Every bench (run or not) and the rows of the ones whose JSON is there."""
    benches: list[Bench] = []
    rows: list[Row] = []
    found = {p.stem: p for p in sorted(out_dir.glob("*.json"))} if out_dir.is_dir() else {}
    for name, extract in EXTRACTORS.items():
        path = found.pop(name, None)
        if path is None:
            if name in IN_MAKE_BENCH:
                benches.append(Bench(name, None, "—", "—", "not run"))
            continue
        written = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            benches.append(Bench(name, path, written, "—", f"unreadable JSON: {exc}"))
            rows.append(Row(name, "the whole JSON", f"{UNREADABLE} ({exc})"))
            continue
        if not isinstance(data, dict):
            data = {}
        table = Table(name, data)
        try:
            scale = extract(table)
        except Exception as exc:  # noqa: BLE001 — one bench's surprise must not hide the others
            table.rows.append(Row(name, "the rest of this bench", f"{UNREADABLE} ({exc!r})"))
            scale = "not recorded"
        benches.append(Bench(name, path, written, scale))
        rows += table.rows
    for name, path in found.items():
        written = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        why = ELSEWHERE.get(name, "no extractor in bench/summary.py")
        benches.append(Bench(name, path, written, "—", f"not summarised here: {why}"))
    return benches, rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(benches: list[Bench], rows: list[Row], out_dir: Path, now: datetime) -> str:
    """The section between the bench markers."""
    load = os.getloadavg()
    shown = out_dir.resolve()
    try:
        shown = shown.relative_to(ROOT)
    except ValueError:
        pass
    ran = [b for b in benches if b.path is not None and not b.note]
    lines = [
        BEGIN,
        f"## Benchmarks (`make bench`) — {now:%Y-%m-%d %H:%M}",
        "",
        f"Written by `python -m bench.summary` from the JSON in `{shown}/` (the last run of each"
        f" bench, at the file's time below). Machine: {os.cpu_count()} cores, load average"
        f" {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) when the summary was"
        f" written. The targets are stated for full scale: at small scale a run only shows that"
        f" the bench works. The scale is the --scale each bench recorded, with the sizes it found"
        f" (a guess from the sizes, marked so, when its JSON recorded none). {len(ran)} benches"
        f" summarised; the figures and what they mean: bench/README.md.",
        "",
        "| bench | JSON | written | scale | note |",
        "|---|---|---|---|---|",
    ]
    for b in benches:
        lines.append(f"| {b.name} | {'`' + b.path.name + '`' if b.path else '—'} | {b.written} |"
                     f" {_cell(b.scale)} | {_cell(b.note)} |")  # fmt: skip
    lines += [
        "",
        "| bench | figure | value | baseline | ratio | target | met |",
        "|---|---|---:|---|---|---|---|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(_cell(c) for c in (r.bench, r.figure, r.value, r.baseline,
                                                         r.ratio, r.target, r.met)) + " |")  # fmt: skip
    missing = [r for r in rows if r.value.startswith((MISSING, UNREADABLE))]
    if missing:
        lines += ["", f"{len(missing)} figure(s) missing from their JSON or unreadable: "
                  + "; ".join(f"{r.bench}: {r.figure}" for r in missing) + "."]  # fmt: skip
    lines.append(END)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = ap.parse_args(argv)
    benches, rows = summarise(args.out_dir)
    section = markdown(benches, rows, args.out_dir, datetime.now().astimezone())
    write_section(args.results, section, BEGIN, END)
    print(section)
    print(f"written to {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
