"""`zongzhi classify`: trained on the demo's labelled cases, stored with its metrics, loaded once
per process, printing one JSON object per text for arguments and for standard input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.cli import main
from classify import active
from classify.model import KIND

pytestmark = pytest.mark.db

PROBES = ["家里暖气不热，室温只有十三度，热力公司一直不来", "包工头拖欠工资三个月了，人也联系不上"]


def _cli(db_url: str, args: list[str], stdin: str | None = None, **env: str):  # noqa: ANN202
    return CliRunner().invoke(main, args, input=stdin, env={"ZONGZHI_DATABASE_URL": db_url, **env})


def _clear(engine) -> None:  # noqa: ANN001
    with engine.begin() as c:
        c.execute(text("DELETE FROM text_model"))


@pytest.fixture(scope="module")
def trained(db_url, engine, demo_db) -> dict:  # noqa: ANN001
    """One model trained through the command line on the demo (a fresh table first)."""
    _clear(engine)
    result = _cli(db_url, ["classify", "train", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_clf001_without_a_model_one_clear_line(db_url, engine, demo_db) -> None:  # noqa: ANN001
    _clear(engine)
    for args, stdin in ((["classify", "楼上漏水"], None), (["classify", "--json"], "楼上漏水\n")):
        result = _cli(db_url, args, stdin)
        assert result.exit_code == 1
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "zongzhi classify train" in lines[0], result.output
        assert "Traceback" not in result.output and result.stdout == ""
    with engine.connect() as c:
        assert active.load_active(c) is None
        assert active.classify(["楼上漏水"], conn=c) == [[]]
    assert active.cached() is None and active.classify(["楼上漏水", "x"]) == [[], []]


def test_clf002_training_stores_the_model_and_its_metrics(trained, engine) -> None:  # noqa: ANN001
    with engine.connect() as c:
        row = c.execute(
            text("SELECT id, kind, active, metrics, length(model) FROM text_model")
        ).one()  # fmt: skip
        cases = c.execute(
            text("SELECT count(*) FROM dispute WHERE merged_into IS NULL AND type_code IS NOT NULL")
        ).scalar()
        types = c.execute(
            text("SELECT count(DISTINCT type_code) FROM dispute WHERE merged_into IS NULL")
        ).scalar()
        audit = c.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'model.train' AND object = :o"),
            {"o": f"text_model:{row[0]}"},
        ).scalar()
    model_id, kind, is_active, metrics, size = row
    assert (model_id, kind, is_active) == (trained["id"], KIND, True)
    assert size == trained["bytes"] and size > 10_000
    assert audit == 1
    # The metrics the command printed are the stored ones, over every labelled case.
    assert metrics["macro_f1"] == trained["macro_f1"]
    assert metrics["train_size"] + metrics["test_size"] == cases == trained["cases"]
    assert len(metrics["types"]) == types
    assert 0 <= metrics["macro_f1"] <= 1 and metrics["top1_accuracy"] <= metrics["top3_accuracy"]
    assert set(metrics["per_type_f1"]) <= set(metrics["types"])
    for key in ("top1_accuracy", "top3_accuracy", "trained_at", "features", "seed"):
        assert key in metrics


def test_clf003_retraining_keeps_one_active_model(db_url, engine, trained) -> None:  # noqa: ANN001
    with engine.connect() as c:
        before = c.execute(
            text("SELECT version FROM data_version WHERE family = 'catalogue'")
        ).scalar()
    again = _cli(db_url, ["classify", "train"])
    assert again.exit_code == 0, again.output
    assert "macro-F1" in again.output and "top-3" in again.output
    skipped = _cli(db_url, ["classify", "train", "--if-missing"])
    assert skipped.exit_code == 0 and "already trained" in skipped.output
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, active FROM text_model ORDER BY id")).all()
        after = c.execute(
            text("SELECT version FROM data_version WHERE family = 'catalogue'")
        ).scalar()
    assert len(rows) == 2 and [r[1] for r in rows] == [False, True]
    assert after > before  # a new model is a catalogue write: cached values keyed by it renew
    with pytest.raises(DBAPIError, match="uq_text_model_active"), engine.begin() as c:
        c.execute(text("UPDATE text_model SET active = true"))


def test_clf004_arguments_give_the_documented_json(db_url, engine, trained) -> None:  # noqa: ANN001
    result = _cli(db_url, ["classify", "--top", "2", "--json", *PROBES])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(PROBES)
    with engine.connect() as c:
        catalogue = {
            r[0]: (r[1], r[2])
            for r in c.execute(text("SELECT code, name, lead_department FROM dispute_type"))
        }
    for probe, line in zip(PROBES, lines, strict=True):
        record = json.loads(line)
        assert set(record) == {"text", "types", "department"} and record["text"] == probe
        assert len(record["types"]) == 2
        for t in record["types"]:
            assert set(t) == {"code", "name", "p"} and catalogue[t["code"]][0] == t["name"]
        ps = [t["p"] for t in record["types"]]
        assert ps == sorted(ps, reverse=True) and 0 < sum(ps) <= 1.0001
        assert record["department"] == catalogue[record["types"][0]["code"]][1]
    first = [json.loads(ln)["types"][0]["code"] for ln in lines]
    assert first == ["heating", "labour"]
    # Without --json: one readable line per text; "text" as the first word classifies too.
    plain = _cli(db_url, ["classify", "text", PROBES[0]])
    assert plain.exit_code == 0 and "供暖纠纷" in plain.stdout and PROBES[0] in plain.stdout


def test_clf005_standard_input_one_object_per_line(db_url, trained) -> None:  # noqa: ANN001
    stdin = f"{PROBES[0]}\n\n  \n{PROBES[1]}\r\n邻居家的狗把孩子咬了\n"
    result = _cli(db_url, ["classify", "--json"], stdin)
    assert result.exit_code == 0, result.output
    records = [json.loads(ln) for ln in result.stdout.splitlines()]
    assert [r["text"] for r in records] == [PROBES[0], PROBES[1], "邻居家的狗把孩子咬了"]
    assert all(len(r["types"]) == 3 for r in records)
    bad = _cli(db_url, ["classify", "--top", "0", "x"])
    assert bad.exit_code == 2


def test_clf006_the_app_role_loads_it_once_and_may_not_write_it(app_engine, trained) -> None:  # noqa: ANN001
    with app_engine.connect() as c:
        first = active.load_active(c)
        second = active.load_active(c)
        assert first is not None and first is second  # cached by id
        got = active.classify(PROBES, top=1, conn=c)
    assert [g[0][0] for g in got] == ["heating", "labour"]
    assert active.classify(PROBES, top=1) == got  # the loaded model, without a connection
    with pytest.raises(DBAPIError), app_engine.begin() as c:
        c.execute(text("UPDATE text_model SET active = false"))


def test_clf007_a_new_active_model_replaces_the_cached_one(db_url, app_engine, trained) -> None:  # noqa: ANN001
    with app_engine.connect() as c:
        old = active.load_active(c)
    # Learning takes longer than the server lets a transaction sit idle here: no transaction is
    # held open while it learns.
    again = _cli(db_url, ["classify", "train"], ZONGZHI_IDLE_IN_TRANSACTION_TIMEOUT_MS="300")
    assert again.exit_code == 0, again.output
    with app_engine.connect() as c:
        new = active.load_active(c)
    assert new is not None and new is not old
