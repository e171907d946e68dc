"""bench.summary without a database: the results file's sections, and a summary of JSON files
with keys or whole files missing (the real benches' JSON: tests/integration/test_bench_smoke.py)."""

from __future__ import annotations

import json
import re

import pytest

from bench import summary
from bench.common import RESULTS_HEADER, replace_section, write_section

LB, LE = "<!-- loadtest:begin -->", "<!-- loadtest:end -->"
BB, BE = summary.BEGIN, summary.END
LOADTEST = (
    f"{LB}\n## Load test — 2026-12-04\n\n| action | p95 ms |\n|---|---:|\n| 督办 | 606 |\n{LE}\n"
)


def bench_section(text: str) -> str:
    return f"{BB}\n## Benchmarks\n\n{text}\n{BE}\n"


def test_bs001_section_absent_is_appended_after_a_blank_line() -> None:
    current = "# Benchmark results\n\n" + LOADTEST
    new = replace_section(current, bench_section("first"), BB, BE)
    assert new == current + "\n" + bench_section("first")
    # A file without a trailing newline, or with several, gets exactly one blank line.
    assert replace_section("# R\n\n\n", bench_section("x"), BB, BE) == "# R\n\n" + bench_section(
        "x"
    )
    assert replace_section("# R", bench_section("x"), BB, BE) == "# R\n\n" + bench_section("x")


def test_bs002_section_present_is_replaced_and_the_rest_kept_byte_for_byte() -> None:
    before, after = "# Benchmark results\n\nintro\n\n", "\nnotes after — 注\n"
    current = before + bench_section("old figures") + LOADTEST + after
    new = replace_section(current, bench_section("new figures"), BB, BE)
    assert new == before + bench_section("new figures") + "\n" + LOADTEST + after
    assert "old figures" not in new
    # The load test's section is exactly as it was, whichever section is written.
    assert new[new.index(LB) : new.index(LE) + len(LE)] == LOADTEST.rstrip("\n")
    # Writing the load test's section keeps the bench section the same way.
    again = replace_section(new, LOADTEST.replace("606", "700"), LB, LE)
    assert (
        again
        == before + bench_section("new figures") + "\n" + LOADTEST.replace("606", "700") + after
    )
    # Replacing a section by itself changes nothing.
    assert replace_section(again, bench_section("new figures"), BB, BE) == again


def test_bs003_only_text_between_its_own_markers_is_replaced() -> None:
    # The bench section after the load test's: everything before its begin marker stays.
    current = "# Benchmark results\n\n" + LOADTEST + "\n" + bench_section("old")
    new = replace_section(current, bench_section("new"), BB, BE)
    assert new == "# Benchmark results\n\n" + LOADTEST + "\n" + bench_section("new")


def test_bs004_a_broken_file_or_section_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="without"):
        replace_section(f"# R\n\n{BB}\nhalf a section\n", bench_section("x"), BB, BE)
    # An end marker before the begin marker is not this section's end.
    with pytest.raises(ValueError, match="without"):
        replace_section(f"# R\n{BE}\n{BB}\n", bench_section("x"), BB, BE)
    with pytest.raises(ValueError, match="must start"):
        replace_section("# R\n", "no markers\n", BB, BE)


def test_bs005_write_section_makes_the_file_when_missing(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "RESULTS.md"
    write_section(path, bench_section("one"), BB, BE)
    assert path.read_text(encoding="utf-8") == RESULTS_HEADER + bench_section("one")
    write_section(path, LOADTEST, LB, LE)
    write_section(path, bench_section("two"), BB, BE)
    assert path.read_text(encoding="utf-8") == (
        RESULTS_HEADER + bench_section("two") + "\n" + LOADTEST
    )


def _figures(section: str) -> dict[tuple[str, str], list[str]]:
    """(bench, figure) → the other cells of the summary's figures table."""
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 7 and cells[0] not in ("bench", "---"):
            rows[(cells[0], cells[1])] = cells[2:]
    return rows


def test_bs006_missing_keys_files_and_garbage_are_listed_not_crashed_on(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    out.mkdir()
    cold = {"p50": 493.357, "p95": 622.817, "max": 637.2, "bytes": 24202}
    # wall.json without its warm figures: those rows say missing, the cold row is still there.
    (out / "wall.json").write_text(
        json.dumps({"cases": 600, summary.WALL_COLD: cold}), encoding="utf-8"
    )
    (out / "etl.json").write_text("{ truncated", encoding="utf-8")
    (out / "rls.json").write_text(
        json.dumps({"scale": "small", "reads": {"grid panel": {"ratio_p50": 1.5}}}),
        encoding="utf-8",
    )
    (out / "loadtest.json").write_text("{}", encoding="utf-8")
    (out / "mystery.json").write_text("[]", encoding="utf-8")
    benches, rows = summary.summarise(out)
    section = summary.markdown(benches, rows, out, summary.datetime.now())
    figures = _figures(section)

    by_name = {b.name: b for b in benches}
    for name in summary.IN_MAKE_BENCH:
        assert name in by_name, name
    assert by_name["partitions"].note == "not run" and by_name["audit"].note == "not run"
    assert by_name["map"].note == "not run"  # bench.map's own JSON is part of make bench
    assert "| partitions | — | — | — | not run |" in section
    assert "wall_endurance" not in by_name  # not in make bench, and not run: not listed
    assert by_name["etl"].note.startswith("unreadable JSON")
    assert figures[("etl", "the whole JSON")][0].startswith("unreadable")
    assert "its own section" in by_name["loadtest"].note
    assert "no extractor" in by_name["mystery"].note
    # No scale recorded (an older wall.json): guessed from its sizes, and labelled a guess.
    assert by_name["wall"].scale == "guess: small (600 cases; no scale recorded)"
    assert by_name["rls"].scale == "small"  # recorded, no sizes

    # The cold row is computed (against a baseline that is missing: the row says so).
    cold_row = figures[("wall", "refresh, cold (snapshot built), p50 / p95")]
    assert cold_row[0].startswith("missing") and "warm" in cold_row[0]
    warm_row = figures[("wall", "refresh, warm (shared cache hit), p50 / p95")]
    assert warm_row[0] == f"missing (`{summary.WALL_WARM}`)"
    assert figures[("wall", "bytes per refresh")][0].startswith("missing")
    # A read without its RLS figures is listed, named, as missing.
    panel = figures[("rls", "grid panel, district user under RLS, p50 / p95")]
    assert panel[0] == "missing (`reads → grid panel → rls`)"
    missing = [k for k, v in figures.items() if v[0].startswith(("missing", "unreadable"))]
    assert len(missing) >= 5
    assert f"{len(missing)} figure(s) missing from their JSON or unreadable: " in section


def test_bs007_values_are_the_json_figures(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    out.mkdir()
    warm = {"p50": 128.96, "p95": 161.284, "max": 164.9, "bytes": 24202}
    cold = {"p50": 493.357, "p95": 622.817, "max": 637.2, "bytes": 24202}
    (out / "wall.json").write_text(
        json.dumps({"cases": 600, summary.WALL_COLD: cold, summary.WALL_WARM: warm}),
        encoding="utf-8",
    )
    benches, rows = summary.summarise(out)
    figures = _figures(summary.markdown(benches, rows, out, summary.datetime.now()))
    value, baseline, ratio, target, met = figures[
        ("wall", "refresh, cold (snapshot built), p50 / p95")
    ]
    assert value == "493.4 / 622.8 ms"
    assert baseline == "warm: 129.0 / 161.3 ms"
    assert ratio == f"{493.357 / 128.96:.2f}× (cold / warm, p50)"
    assert (target, met) == ("p95 ≤ 300 ms", "no")
    assert figures[("wall", "refresh, warm (shared cache hit), p50 / p95")][3:] == [
        "p95 ≤ 300 ms",
        "yes",
    ]
    assert figures[("wall", "bytes per refresh")][0] == f"{24202 / 1024:.1f} KB"


def test_bs008_figures_there_but_not_readable_say_so(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    out.mkdir()
    warm = {"p50": 0.0, "p95": 0.0, "bytes": 24202}
    cold = {"p50": 493.357, "p95": 622.817, "bytes": 24202}
    (out / "wall.json").write_text(
        json.dumps({summary.WALL_COLD: cold, summary.WALL_WARM: warm}), encoding="utf-8"
    )
    # Surges as strings, not objects: that bench's extractor stops, the others carry on.
    (out / "warnings.json").write_text(json.dumps({"surges": ["150105 property"]}), "utf-8")
    (out / "audit.json").write_text(json.dumps({"searches": "none"}), encoding="utf-8")
    benches, rows = summary.summarise(out)
    figures = _figures(summary.markdown(benches, rows, out, summary.datetime.now()))
    cold_row = figures[("wall", "refresh, cold (snapshot built), p50 / p95")]
    assert cold_row[0].startswith("unreadable (`ZeroDivisionError")
    assert figures[("wall", "refresh, warm (shared cache hit), p50 / p95")][0] == "0.0 / 0.0 ms"
    assert figures[("warnings", "the rest of this bench")][0].startswith(
        "unreadable (AttributeError"
    )
    assert figures[("audit", "searches")][0] == "missing (none listed: `'none'`)"
    # The audit rows after the searches are still there (missing, named).
    assert figures[("audit", "page 201: keyset, p50 / p95")][0] == "missing (`deep_page`)"


SEED = summary.DEFAULT_SEED


@pytest.mark.parametrize(
    ("name", "data", "cell"),
    [
        # The scale each bench recorded, with the sizes it found.
        ("etl", {"scale": "small", "seed": SEED,
                 "report": {"kinds": {"grids": {"read": 396}, "disputes": {"read": 600}}}},
         "small (600 cases, 396 grids)"),
        ("partitions", {"scale": "small", "seed": SEED, "copies": 2, "rows": 1200,
                        "partitions": 4}, "small (600 cases × 2 copies in each table, 4 yearly partitions)"),
        ("map", {"scale": "full", "seed": SEED, "sizes": {"grid": 6158, "dispute": 26000}},
         "full (26,000 cases, 6,158 grids)"),
        ("map_analysis", {"scale": "small", "seed": SEED, "sizes": {"grid": 396, "dispute": 600}},
         "small (600 cases, 396 grids)"),
        ("map_tiles", {"scale": "small", "seed": SEED, "cases": 600, "tiles": 12},
         "small (600 cases, 12 tiles)"),
        ("performance", {"scale": "small", "seed": SEED, "cases": 600}, "small (600 cases)"),
        ("warnings", {"scale": "small", "seed": SEED, "demo": {"scale": "small", "seed": SEED},
                      "surges": [{}, {}, {}]}, "small (3 planted surges)"),
        ("classify", {"scale": "small", "seed": SEED, "training": {"cases": 598}},
         "small (598 labelled cases)"),
        ("audit", {"scale": "small", "log_rows": 20000}, "small (20,000 log entries)"),
        ("rls", {"scale": "small", "seed": SEED, "grids": 396, "cases": 600,
                 "district": "150104"}, "small (600 cases, 396 grids, district 150104)"),
        ("dispatch", {"scale": "small", "seed": SEED, "cases": 600, "grids": 396},
         "small (600 cases, 396 grids)"),
        ("wall", {"scale": "full", "seed": SEED, "cases": 26000}, "full (26,000 cases)"),
        ("reports", {"scale": "small", "seed": SEED, "cases in the period": {"city": 301}},
         "small (301 cases in the period)"),
        ("wall_endurance", {"scale": "small", "seed": SEED}, "small"),
        # A seed other than the default is named; sizes no known scale has are shown as they are.
        ("map_tiles", {"scale": "small", "seed": 7, "cases": 600}, "small, seed 7 (600 cases)"),
        ("map_analysis", {"scale": "small", "seed": 7, "sizes": {"grid": 401, "dispute": 600}},
         "small, seed 7 (600 cases, 401 grids)"),
        # A database that held another scale's data was measured as it was: the cell says so.
        ("map_analysis", {"scale": "small", "seed": SEED,
                          "sizes": {"grid": 6158, "dispute": 26000}},
         "full by its sizes (26,000 cases, 6,158 grids); --scale small asked"),
        ("warnings", {"scale": "full", "seed": SEED, "demo": {"scale": "small", "seed": 3},
                      "surges": []}, "small by its sizes (demo seed 3, 0 planted surges);"
                                     " --scale full asked"),
        ("audit", {"scale": "full", "log_rows": 20000},
         "small by its sizes (20,000 log entries); --scale full asked"),
        ("audit", {"scale": "full", "log_rows": 50000},
         "other by its sizes (50,000 log entries); --scale full asked"),
        # Older JSON without a scale: a guess from the sizes, labelled so, or not recorded.
        ("etl", {"report": {"kinds": {"grids": {"read": 396}, "disputes": {"read": 600}}}},
         "guess: small (600 cases, 396 grids; no scale recorded)"),
        ("dispatch", {"cases": 26000}, "guess: full (26,000 cases; no scale recorded)"),
        ("classify", {"training": {"cases": 25870}},
         "guess: full (25,870 labelled cases; no scale recorded)"),
        ("audit", {"log_rows": 2000000},
         "guess: full (2,000,000 log entries; no scale recorded)"),
        ("partitions", {"rows": 1200, "partitions": 4},
         "not recorded (1,200 cases in each table, 4 yearly partitions)"),
        ("map_tiles", {"tiles": 12}, "not recorded (12 tiles)"),
        ("performance", {}, "not recorded"),
    ],
)  # fmt: skip
def test_bs009_the_scale_cell_is_the_recorded_scale_and_what_the_bench_found(
    name: str, data: dict, cell: str
) -> None:
    assert summary.EXTRACTORS[name](summary.Table(name, data)) == cell


MAP_JSON = {
    "scale": "small",
    "seed": SEED,
    "repeat": 2,
    "sizes": {"grid": 396, "dispute": 600},
    "drill": [
        {"level": "city", "code": "150100", "children": 9, "p50": 31.72, "p95": 46.04,
         "geometry_bytes": 14029},
        {"level": "district", "code": "150102", "children": 12, "p50": 24.94, "p95": 32.36,
         "geometry_bytes": 2969},
        {"level": "grid", "code": "150102001001001", "children": 0, "p50": 4.2, "p95": 5.01,
         "geometry_bytes": None},
    ],
    "city_filtered": {"filters": "30d, high risk, hotline + police", "p50": 12.5, "p95": 20.0},
    "geometry": {
        "city": {"views": 1, "median_bytes": 14029, "max_bytes": 14029},
        "district": {"views": 9, "median_bytes": 2969.5, "max_bytes": 5837},
        "community": {"views": 50, "median_bytes": 1000, "max_bytes": 2_000_000},
    },
}  # fmt: skip


def test_bs010_map_rows_are_the_drill_figures_of_its_json(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    out.mkdir()
    (out / "map.json").write_text(json.dumps(MAP_JSON), encoding="utf-8")
    benches, rows = summary.summarise(out)
    section = summary.markdown(benches, rows, out, summary.datetime.now())
    # Listed in the benches' table with the scale it recorded and the sizes it found, no note.
    line = r"\| map \| `map.json` \| \d{4}-\d\d-\d\d \d\d:\d\d \| small \(600 cases, 396 grids\) \|  \|"
    assert re.search(line, section), section
    figures = {f: cells for (bench, f), cells in _figures(section).items() if bench == "map"}
    assert figures == {
        "drill step, city (9 children), p50 / p95": ["31.7 / 46.0 ms", "", "", "", ""],
        "drill step, district (12 children), p50 / p95": ["24.9 / 32.4 ms", "", "", "", ""],
        "drill step, grid, p50 / p95": ["4.2 / 5.0 ms", "", "", "", ""],
        "drill step, city, 30 d + high risk + two sources, p50 / p95": [
            "12.5 / 20.0 ms",
            "no filter: 31.7 / 46.0 ms",
            f"{12.5 / 31.72:.2f}× (filtered / unfiltered, p50)",
            "",
            "",
        ],
        "geometry per city view (geobuf), median / max": [
            "13.7 / 13.7 KB over 1 view", "", "", "≤ 1 MB per view", "yes"],
        "geometry per district view (geobuf), median / max": [
            "2.9 / 5.7 KB over 9 views", "", "", "≤ 1 MB per view", "yes"],
        "geometry per community view (geobuf), median / max": [
            "1.0 / 1,953.1 KB over 50 views", "", "", "≤ 1 MB per view", "no"],
    }  # fmt: skip
    # In make bench's order: bench.map's own rows before those of the benches it runs.
    assert list(summary.EXTRACTORS)[:4] == ["etl", "partitions", "map", "map_analysis"]


def test_bs011_map_json_without_drill_figures_says_which_are_missing(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    out.mkdir()
    broken = {**MAP_JSON, "drill": [MAP_JSON["drill"][1]], "geometry": {"city": {"views": 1}}}
    del broken["city_filtered"]
    (out / "map.json").write_text(json.dumps(broken), encoding="utf-8")
    benches, rows = summary.summarise(out)
    figures = _figures(summary.markdown(benches, rows, out, summary.datetime.now()))
    assert figures[("map", "drill step, district (12 children), p50 / p95")][0] == "24.9 / 32.4 ms"
    # No city step: the filtered city step has no baseline; its own figures are gone too.
    filtered = figures[("map", "drill step, city, 30 d + high risk + two sources, p50 / p95")]
    assert filtered[0] == "missing (`drill → city`)"
    city = figures[("map", "geometry per city view (geobuf), median / max")]
    assert city[0] == "missing (`geometry → city → max_bytes`)"
