"""Which dispute type a complaint's text is: character n-grams (1–3) weighted by TF-IDF and a
multinomial logistic regression, so every type gets a probability.

Pure: texts and labels in, a ``TextModel`` out; nothing here knows the database (``classify.
train`` reads and stores, ``classify.active`` loads). jieba words on top of the characters were
measured and did not help (bench/README.md), so the model has no word segmenter.
"""

from __future__ import annotations

import math
import pickle  # only our own models, stored by ``classify.train``, are ever loaded
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

# What a model predicts (``text_model.kind``): the 类案标准化 type of a dispute.
KIND = "dispute_type"
SEED = 20261128
TEST_SHARE = 0.2
TOP = 3
# Characters 1–3: Chinese words are 1–4 characters and a caller's typos break words, not
# characters. Terms in fewer than MIN_DF texts are noise and only grow the model.
NGRAMS = (1, 3)
MIN_DF = 2
MAX_FEATURES = 200_000
C = 10.0
FEATURES = f"char {NGRAMS[0]}-{NGRAMS[1]} tf-idf"

# (code, name, probability): one type proposed for a text, best first.
Guess = tuple[str, str, float]


@dataclass(frozen=True)
class TypeInfo:
    """A type as the catalogue named it when the model was trained."""

    code: str
    name: str
    department: str | None


def normalise(text: str | None) -> str:
    """One form for what people type: full-width → half-width (NFKC), lower case, one space."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def case_text(title: str | None, description: str | None) -> str:
    """What the model reads of a case: its title, then what the caller said."""
    return "。".join(part for part in (title, description) if part)


def make_pipeline(seed: int = SEED) -> Pipeline:
    """The untrained pipeline: character n-grams → multinomial logistic regression."""
    return Pipeline(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=NGRAMS,
                    min_df=MIN_DF,
                    max_features=MAX_FEATURES,
                    sublinear_tf=True,
                    dtype=np.float32,
                    preprocessor=normalise,
                ),
            ),
            ("model", LogisticRegression(C=C, max_iter=1_000, random_state=seed)),
        ]
    )


class TextModel:
    """A trained pipeline with the catalogue entries of the types it knows."""

    def __init__(self, pipeline: Pipeline, types: Sequence[TypeInfo]) -> None:
        self.pipeline = pipeline
        by_code = {t.code: t for t in types}
        self.classes: list[str] = [str(c) for c in pipeline.classes_]
        missing = [c for c in self.classes if c not in by_code]
        if missing:
            raise ValueError(f"types not in the catalogue: {missing}")
        self.types = [by_code[c] for c in self.classes]

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(texts × types) probabilities, rows summing to 1, columns in ``classes`` order."""
        if not texts:
            return np.zeros((0, len(self.classes)))
        return self.pipeline.predict_proba(list(texts))

    def top(self, texts: Sequence[str], top: int = TOP) -> list[list[Guess]]:
        """The ``top`` most likely types of each text, best first, as (code, name, p)."""
        k = max(0, min(int(top), len(self.classes)))
        proba = self.probabilities(texts)
        if k == 0:
            return [[] for _ in texts]
        best = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        return [
            [(self.types[j].code, self.types[j].name, float(row[j])) for j in picks]
            for row, picks in zip(proba, best.tolist(), strict=True)
        ]

    def department(self, code: str) -> str | None:
        """The lead department of type ``code`` (类案标准化), or None for an unknown type."""
        for t in self.types:
            if t.code == code:
                return t.department
        return None

    def to_bytes(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_bytes(data: bytes) -> TextModel:
        """A model stored by ``to_bytes`` (our own training only: pickle runs code)."""
        model = pickle.loads(data)
        if not isinstance(model, TextModel):
            raise TypeError("not a TextModel")
        return model


def fit(texts: Sequence[str], labels: Sequence[str], types: Iterable[TypeInfo],
        seed: int = SEED, pipeline: Pipeline | None = None) -> TextModel:  # fmt: skip
    """A model trained on all of ``texts`` (``labels``: their type codes); ``pipeline`` (untrained)
    instead of ``make_pipeline``'s, to compare features."""
    pipeline = pipeline if pipeline is not None else make_pipeline(seed)
    pipeline.fit(list(texts), list(labels))
    return TextModel(pipeline, list(types))


def split(labels: Sequence[str], seed: int = SEED, test_share: float = TEST_SHARE
          ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(train, test) indices, stratified by type with a fixed seed. A type with fewer than two
    cases (or too few to leave one out) stays wholly in training."""
    y = np.asarray(labels, dtype=object)
    codes, counts = np.unique(y, return_counts=True)
    # A type needs one case held out and one kept to be split at all.
    splittable = set(codes[counts >= max(2, math.ceil(1 / test_share))].tolist())
    idx = np.arange(len(y))
    mask = np.array([v in splittable for v in y.tolist()], dtype=bool)
    if mask.sum() < 2 or len(splittable) < 2:
        return idx, np.empty(0, dtype=np.int64)
    train, test = train_test_split(
        idx[mask], test_size=test_share, random_state=seed, stratify=y[mask]
    )
    return np.sort(np.concatenate([train, idx[~mask]])), np.sort(test)


def metrics(model: TextModel, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Macro-F1, top-1 and top-3 accuracy and per-type F1 of ``model`` on ``texts``."""
    y = np.asarray(labels, dtype=object)
    if len(y) == 0:
        return {"test_size": 0, "macro_f1": None, "top1_accuracy": None, "top3_accuracy": None,
                "per_type_f1": {}}  # fmt: skip
    proba = model.probabilities(texts)
    order = np.argsort(-proba, axis=1, kind="stable")
    classes = np.asarray(model.classes, dtype=object)
    predicted = classes[order[:, 0]]
    in_top3 = (classes[order[:, :TOP]] == y[:, None]).any(axis=1)
    present = sorted(set(y.tolist()))
    per_type = f1_score(y, predicted, labels=present, average=None, zero_division=0)
    return {
        "test_size": int(len(y)),
        "macro_f1": round(float(np.mean(per_type)), 4),
        "top1_accuracy": round(float(np.mean(predicted == y)), 4),
        "top3_accuracy": round(float(np.mean(in_top3)), 4),
        "per_type_f1": {c: round(float(f), 4) for c, f in zip(present, per_type, strict=True)},
    }


def train_and_evaluate(
    texts: Sequence[str],
    labels: Sequence[str],
    types: Iterable[TypeInfo],
    seed: int = SEED,
    test_share: float = TEST_SHARE,
) -> tuple[TextModel, dict[str, Any]]:
    """Held-out metrics of the pipeline trained on a stratified split, and the model to keep:
    the same pipeline trained on every text."""
    types = list(types)
    started = time.perf_counter()
    train, test = split(labels, seed, test_share)
    texts, labels = list(texts), list(labels)
    result: dict[str, Any] = {}
    if len(test):
        held = fit([texts[i] for i in train], [labels[i] for i in train], types, seed)
        result = metrics(held, [texts[i] for i in test], [labels[i] for i in test])
    else:
        result = metrics(fit(texts, labels, types, seed), [], [])
    model = fit(texts, labels, types, seed)
    result.update(
        {
            "train_size": int(len(train)),
            "cases": len(texts),
            "types": model.classes,
            "features": FEATURES,
            "model": "logistic regression (multinomial)",
            "seed": seed,
            "test_share": test_share,
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 2),
            "sklearn": sklearn.__version__,
            "stored": "refit on every case after the held-out evaluation",
        }
    )
    return model, result
