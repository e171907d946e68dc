"""Text classification benchmark: training on the demo's cases, then classification throughput
at batch sizes 1, 100 and 10,000, against two baselines in the same run.

    python -m bench.classify [--scale full|small] [--repeat 3] [--seed N]   (from the repo root)

On the demo database (``zongzhi_map_bench`` in the embedded cluster, or
ZONGZHI_BENCH_DATABASE_URL; an empty database first gets the demo at ``--scale``): trains the
model as ``zongzhi classify train`` does (held-out metrics, refit, store), then classifies the
demo's own case texts. Baselines: the model's own single-text loop (batch 1, the way one intake
request calls it, also with the active-model check against the database that each request does)
and a naive keyword match (each type's hand-picked words, the best count wins) — for speed and
for accuracy on the same held-out texts. Wall and CPU (process) time are both given: the machine
is shared. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import sklearn

from bench.common import MAP_BENCH_DATABASE, add_scale_arguments, bench_url, ensure_demo
from classify import active
from classify.model import SEED, TypeInfo, case_text, split
from classify.train import train
from geodata.db.engine import make_engine
from geodata.read.texts import labelled_texts
from geodata.settings import Settings

BATCHES = (1, 100, 10_000)
# Texts classified per figure: enough for a steady rate, few enough that batch 1 stays short.
TEXTS_PER_BATCH = {1: 400, 100: 4_000, 10_000: 10_000}

# The naive baseline: words a clerk would grep for, per type.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "property": ("物业", "开发商", "电梯", "房产证", "维修基金", "交房", "业委会", "车位"),
    "demolition": ("拆迁", "征收", "安置", "棚改", "补偿款", "过渡费", "评估"),
    "labour": ("工资", "欠薪", "社保", "包工头", "辞退", "加班", "劳动"),
    "administrative": ("处罚", "执法", "低保", "复议", "审批", "信息公开", "查封"),
    "traffic": ("撞", "追尾", "事故", "肇事", "司机", "剐蹭", "定损"),
    "family": ("离婚", "丈夫", "妻子", "抚养", "赡养", "彩礼", "子女"),
    "neighbour": ("邻居", "楼上", "对门", "楼道", "噪音"),
    "land": ("承包地", "宅基地", "地界", "流转", "林地", "确权", "草场"),
    "heating": ("暖气", "供热", "热力", "室温", "采暖", "停热"),
    "medical": ("医院", "手术", "医生", "诊所", "病历", "误诊", "输液"),
    "consumer": ("退款", "商家", "办卡", "退货", "预付卡", "购买", "售后"),
    "environment": ("油烟", "排放", "污水", "粉尘", "异味", "施工", "垃圾"),
    "campus": ("学校", "老师", "学生", "孩子在", "幼儿园", "班主任", "同学"),
}


def keyword_top(texts: list[str]) -> list[str]:
    """The naive baseline: the type whose words occur most often (ties: catalogue order)."""
    codes = list(KEYWORDS)
    out = []
    for t in texts:
        scores = [sum(t.count(w) for w in KEYWORDS[c]) for c in codes]
        out.append(codes[int(np.argmax(scores))])
    return out


def compare_jieba(texts: list[str], labels: list[str], types: list[TypeInfo]) -> dict[str, Any]:
    """Held-out macro-F1 of characters alone and of characters + jieba words (1–2), same split,
    same model: jieba is used only if it measurably helps."""
    try:
        import jieba
    except ImportError:
        print("  jieba comparison skipped: jieba is not installed (pip install jieba)")
        return {}
    import logging

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from classify.model import fit, make_pipeline, metrics, normalise

    jieba.setLogLevel(logging.WARNING)
    train_idx, test_idx = split(labels, SEED)
    tr = [texts[i] for i in train_idx]
    te, yte = [texts[i] for i in test_idx], [labels[i] for i in test_idx]
    ytr = [labels[i] for i in train_idx]
    out: dict[str, Any] = {}
    for name in ("characters", "characters + jieba words"):
        pipeline = make_pipeline()
        if name != "characters":
            words = TfidfVectorizer(
                tokenizer=lambda s: [w for w in jieba.lcut(s) if w.strip()],
                token_pattern=None, lowercase=False, preprocessor=normalise,
                ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32,
            )  # fmt: skip
            chars = pipeline.steps[0][1]
            pipeline.steps[0] = ("features", FeatureUnion([("chars", chars), ("words", words)]))
        c0 = time.process_time()
        model = fit(tr, ytr, types, pipeline=pipeline)
        fit_s = time.process_time() - c0
        c0 = time.process_time()
        got = metrics(model, te, yte)
        rate = len(te) / max(time.process_time() - c0, 1e-9)
        out[name] = {"macro_f1": got["macro_f1"], "top1_accuracy": got["top1_accuracy"],
                     "fit_cpu_s": round(fit_s, 1), "cpu_texts_per_s": round(rate)}  # fmt: skip
        print(
            f"  {name:<26} held-out macro-F1 {got['macro_f1']:.4f}  top-1"
            f" {got['top1_accuracy']:.4f}  fit {fit_s:.1f} s CPU  {rate:,.0f} texts/s CPU"
        )
    return out


def _rate(fn: Any, texts: list[str], batch: int, repeat: int) -> dict[str, float]:
    """Texts per second (wall and CPU) of ``fn`` over ``texts`` in chunks of ``batch``, best
    of ``repeat`` runs after a warm-up."""
    chunks = [texts[i : i + batch] for i in range(0, len(texts), batch)]
    fn(chunks[0])
    walls, cpus = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        for chunk in chunks:
            fn(chunk)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return {
        "texts": len(texts),
        "wall_texts_per_s": round(len(texts) / min(walls), 1),
        "cpu_texts_per_s": round(len(texts) / max(min(cpus), 1e-9), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="bench/out/classify.json")
    ap.add_argument(
        "--jieba",
        action="store_true",
        help="also measure jieba words on top of the characters (needs `pip install jieba`)",
    )
    add_scale_arguments(ap)
    args = ap.parse_args()

    engine = make_engine(Settings(), bench_url(MAP_BENCH_DATABASE))
    ensure_demo(engine, args.scale, args.seed)
    figures: dict[str, Any] = {"scale": args.scale, "seed": args.seed,
                               "machine": platform.platform(), "cpus": os.cpu_count()}  # fmt: skip
    figures["sklearn"] = sklearn.__version__

    # 1. Training, as `zongzhi classify train`.
    w0, c0 = time.perf_counter(), time.process_time()
    result = train(engine)
    figures["training"] = {
        "wall_s": round(time.perf_counter() - w0, 1),
        "cpu_s": round(time.process_time() - c0, 1),
        **{k: result[k] for k in ("cases", "train_size", "test_size", "macro_f1",
                                  "top1_accuracy", "top3_accuracy", "per_type_f1", "bytes")},
    }  # fmt: skip
    t = figures["training"]
    print(
        f"training on {t['cases']:,} cases (held out {t['test_size']:,}): {t['wall_s']} s wall,"
        f" {t['cpu_s']} s CPU (held-out fit + refit on all), model {t['bytes'] / 1e6:.1f} MB"
    )
    print(
        f"  held-out macro-F1 {t['macro_f1']:.3f}  top-1 {t['top1_accuracy']:.3f}"
        f"  top-3 {t['top3_accuracy']:.3f}"
    )

    # 2. The same held-out texts under the keyword baseline.
    with engine.connect() as conn:
        rows = labelled_texts(conn)
        model = active.load_active(conn)
    assert model is not None
    texts = [case_text(a, b) for a, b, _ in rows]
    labels = [c for _a, _b, c in rows]
    _train, test = split(labels, SEED)
    held = [texts[i] for i in test]
    truth = np.array([labels[i] for i in test], dtype=object)
    keyword_acc = float(np.mean(np.array(keyword_top(held), dtype=object) == truth))
    figures["keyword_baseline_top1_accuracy"] = round(keyword_acc, 4)
    print(
        f"  keyword baseline on the same held-out texts: top-1 {keyword_acc:.3f}"
        f" (model {t['top1_accuracy']:.3f})"
    )

    if args.jieba:
        figures["jieba"] = compare_jieba(texts, labels, model.types)

    # 3. Throughput: the model's batches, its single-text loop, the keyword baseline.
    pool = (texts * (1 + max(TEXTS_PER_BATCH.values()) // max(len(texts), 1)))[
        : max(TEXTS_PER_BATCH.values())
    ]
    rates: dict[str, dict[str, float]] = {}
    print(f"\nclassification throughput (top 3), best of {args.repeat}")
    print(f"{'how':<52}{'texts':>8}{'wall /s':>11}{'CPU /s':>11}")
    for b in BATCHES:
        rates[f"batch {b:,}"] = _rate(lambda c: model.top(c, 3), pool[: TEXTS_PER_BATCH[b]], b,
                                      args.repeat)  # fmt: skip
    with engine.connect() as conn:
        rates["batch 1 with the active-model check (one query)"] = _rate(
            lambda c: active.classify(c, 3, conn=conn), pool[: TEXTS_PER_BATCH[1]], 1, args.repeat
        )
    rates["keyword baseline, batch 10,000"] = _rate(keyword_top, pool, 10_000, args.repeat)
    for name, r in rates.items():
        print(
            f"{name:<52}{r['texts']:>8,}{r['wall_texts_per_s']:>11,.0f}{r['cpu_texts_per_s']:>11,.0f}"
        )
    big, one = rates["batch 10,000"], rates["batch 1"]
    ratio = big["wall_texts_per_s"] / one["wall_texts_per_s"]
    print(f"ratio: batch 10,000 / single-text loop (wall) = {ratio:.1f}×")
    kw = rates["keyword baseline, batch 10,000"]["wall_texts_per_s"]
    print(
        f"ratio: model batch 10,000 / keyword baseline (wall) = {big['wall_texts_per_s'] / kw:.2f}×"
    )
    figures["throughput"] = rates

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nfigures written to {out}")


if __name__ == "__main__":
    main()
