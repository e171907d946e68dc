"""The type classifier on synthetic labelled text: what it predicts, how it is measured, how it
is split and stored."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from classify import model as m
from etl.demo import texts as tx
from geodata.load.seed import DISPUTE_TYPES

TYPES = [m.TypeInfo(code, name, lead) for code, name, _cat, lead, *_ in DISPUTE_TYPES]
NAMES = {t.code: t.name for t in TYPES}
LEADS = {t.code: t.department for t in TYPES}

# A hand-made corpus: two clear words per type, so a correct model cannot miss.
HAND = {
    "heating": ("暖气不热", "室温太低", "热力公司不开阀", "暖气片冰凉"),
    "labour": ("拖欠工资", "老板不给工钱", "包工头欠薪", "不交社保"),
    "traffic": ("被车撞了", "追尾事故", "电动车相撞", "肇事逃逸"),
}


def _hand_corpus() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for code, words in HAND.items():
        for a in words:
            for b in words:
                for tail in ("，请尽快处理", "，希望协调", "，要求解决", ""):
                    texts.append(f"来电反映{a}，{b}{tail}")
                    labels.append(code)
    return texts, labels


@pytest.fixture(scope="module")
def generated() -> tuple[list[str], list[str]]:
    """2,600 demo texts of every type (the generator's ambiguous and multi-issue shares)."""
    rng = np.random.default_rng(2)
    n = 2_600
    codes = np.array([t.code for t in TYPES], dtype=object)[np.arange(n) % len(TYPES)]
    out = tx.compose(
        np.random.default_rng(8),
        codes,
        np.array(["hotline"] * n, dtype=object),
        np.array([f"新城区光明路{k}号" for k in rng.integers(1, 99, n)], dtype=object),
        np.array(["光明社区"] * n, dtype=object),
        np.ones(n, dtype=bool),
    )
    return [m.case_text(a, b) for a, b in zip(out.title, out.description, strict=True)], list(codes)


def test_cls001_clear_texts_get_their_type_first_with_names_and_departments() -> None:
    texts, labels = _hand_corpus()
    model = m.fit(texts, labels, TYPES)
    guesses = model.top(["我家暖气不热，室温太低", "老板拖欠工资三个月", "下班路上被车撞了"], top=2)
    assert [g[0][0] for g in guesses] == ["heating", "labour", "traffic"]
    for row in guesses:
        assert len(row) == 2
        assert row[0][2] > row[1][2] > 0
        for code, name, _p in row:
            assert name == NAMES[code]
    assert model.department("heating") == LEADS["heating"] == "heating"
    assert model.department("labour") == "hrss" and model.department("nothing") is None
    # Every type's probability, summing to one; asking for more than there are gives them all.
    proba = model.probabilities(["暖气不热"])
    assert proba.shape == (1, 3) and abs(proba.sum() - 1) < 1e-6
    assert len(model.top(["暖气不热"], top=10)[0]) == 3
    assert model.top([], top=3) == [] and model.top(["x"], top=0) == [[]]


def test_cls002_full_width_and_case_read_the_same() -> None:
    assert m.normalise("ＡＢＣ１２３，楼上  漏水") == "abc123,楼上 漏水"
    assert m.normalise(None) == "" and m.case_text("标题", None) == "标题"
    assert m.case_text("楼上漏水", "来电人称楼上漏水") == "楼上漏水。来电人称楼上漏水"
    texts, labels = _hand_corpus()
    model = m.fit(texts, labels, TYPES)
    a, b = model.probabilities(["暖气不热，室温太低", "暖气不热，室温太低".replace("，", ",")])
    assert np.allclose(a, b)


def test_cls003_the_split_is_stratified_fixed_and_keeps_rare_types() -> None:
    labels = ["a"] * 50 + ["b"] * 20 + ["c"] * 10 + ["d"] * 1 + ["e"] * 3
    train, test = m.split(labels, seed=1, test_share=0.2)
    again = m.split(labels, seed=1, test_share=0.2)
    assert train.tolist() == again[0].tolist() and test.tolist() == again[1].tolist()
    assert not set(train) & set(test) and sorted([*train, *test]) == list(range(len(labels)))
    held = [labels[i] for i in test]
    # 20 % of each splittable type; a single case (or too few to hold one out) stays in training.
    assert held.count("a") == 10 and held.count("b") == 4 and held.count("c") == 2
    assert "d" not in held and "e" not in held
    assert m.split(["a", "b"], seed=1)[1].size == 0
    other = m.split(labels, seed=2, test_share=0.2)[1]
    assert other.tolist() != test.tolist()


def test_cls004_metrics_agree_with_a_count_by_hand() -> None:
    texts, labels = _hand_corpus()
    model = m.fit(texts, labels, TYPES)
    probe = ["暖气不热", "拖欠工资", "被车撞了", "暖气不热", "追尾事故"]
    truth = ["heating", "labour", "traffic", "labour", "labour"]
    got = m.metrics(model, probe, truth)
    ranked = [[c for c, _n, _p in row] for row in model.top(probe, top=3)]
    top1 = sum(r[0] == t for r, t in zip(ranked, truth, strict=True)) / len(truth)
    top3 = sum(t in r[:3] for r, t in zip(ranked, truth, strict=True)) / len(truth)
    assert got["top1_accuracy"] == pytest.approx(top1, abs=1e-4) == 0.6
    assert got["top3_accuracy"] == pytest.approx(top3, abs=1e-4) == 1.0
    # F1 per type by hand: heating 2·1·0.5/(1.5) (one of two predicted right, its one case found)…
    first = [r[0] for r in ranked]
    f1 = {}
    for code in ("heating", "labour", "traffic"):
        tp = sum(p == code == t for p, t in zip(first, truth, strict=True))
        fp = sum(p == code != t for p, t in zip(first, truth, strict=True))
        fn = sum(t == code != p for p, t in zip(first, truth, strict=True))
        f1[code] = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    assert got["per_type_f1"] == pytest.approx(f1, abs=1e-4)
    assert got["macro_f1"] == pytest.approx(np.mean(list(f1.values())), abs=1e-4)
    assert got["test_size"] == 5


def test_cls005_demo_texts_are_learnt_well_but_not_perfectly(generated) -> None:  # noqa: ANN001
    texts, labels = generated
    model, result = m.train_and_evaluate(texts, labels, TYPES, seed=3)
    assert result["train_size"] + result["test_size"] == len(texts) == result["cases"]
    assert result["test_size"] == pytest.approx(0.2 * len(texts), abs=len(TYPES))
    assert set(result["per_type_f1"]) == {t.code for t in TYPES} == set(model.classes)
    # The ambiguous and multi-issue texts keep it from perfect; top-3 nearly always holds it.
    assert 0.75 < result["macro_f1"] < 0.99
    assert result["top1_accuracy"] <= result["top3_accuracy"]
    assert result["top3_accuracy"] > 0.97
    for key in ("trained_at", "features", "seed", "sklearn", "seconds"):
        assert key in result
    # The stored model is trained on everything: it knows the held-out texts better still.
    train, test = m.split(labels, seed=3)
    refit = m.metrics(model, [texts[i] for i in test], [labels[i] for i in test])
    assert refit["top1_accuracy"] >= result["top1_accuracy"]


def test_cls006_a_stored_model_reads_back_the_same() -> None:
    texts, labels = _hand_corpus()
    model = m.fit(texts, labels, TYPES)
    data = model.to_bytes()
    back = m.TextModel.from_bytes(data)
    probe = ["暖气不热", "被车撞了，对方逃逸"]
    assert np.allclose(back.probabilities(probe), model.probabilities(probe))
    assert back.top(probe) == model.top(probe)
    with pytest.raises(TypeError):
        m.TextModel.from_bytes(pickle.dumps({"not": "a model"}))


def test_cls007_a_type_missing_from_the_catalogue_is_refused() -> None:
    texts, labels = _hand_corpus()
    with pytest.raises(ValueError, match="not in the catalogue"):
        m.fit(texts, labels, [t for t in TYPES if t.code != "labour"])
