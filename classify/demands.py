"""Concentrated demands (集中诉求): groups of hotline and petition cases in one area and period that
ask about the same thing, found by clustering their text.

What a case is about is said best by its summary line (the operator's 标题: 「顶楼屋面漏水长期
未修」), so the features are the title's character 2–3-grams (TF-IDF, the classifier's
normalisation), and the clustering is scikit-learn's DBSCAN with cosine distance: it needs no
number of clusters, leaves one-off complaints unclustered (noise) and keeps only groups with at
least ``min_cases`` members whose titles sit within ``eps`` of each other. Each group is labelled
by its top terms: the n-grams weighing most in its centroid against the area's average, with
terms contained in a better one dropped (「漏水」 under 「屋面漏水」).

Pure: texts in, groups out; the caller reads the cases (row-level security) and shows them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.feature_extraction.text import TfidfVectorizer

from classify.model import normalise

# Two titles within this cosine distance are neighbours (tuned on the demo's 12345 titles: 0.4
# splits rephrasings of one demand, 0.7 starts joining different demands of one type).
EPS = 0.5
MIN_CASES = 4
TOP_TERMS = 3
MAX_CASES = 20_000  # the most recent; an area's hotline and petition cases over a year fit


@dataclass(frozen=True)
class Case:
    """What clustering needs of a case."""

    id: int
    title: str
    reported_at: datetime
    type_code: str


@dataclass(frozen=True)
class Demand:
    """One concentrated demand: its label terms, member case ids (newest first), the count in
    the later and the earlier half of the period (its trend) and its most common type."""

    terms: tuple[str, ...]
    case_ids: tuple[int, ...]
    recent: int
    earlier: int
    main_type: str

    @property
    def size(self) -> int:
        return len(self.case_ids)

    @property
    def label(self) -> str:
        return "、".join(self.terms)


def _terms(
    centroid: np.ndarray, baseline: np.ndarray, vocabulary: np.ndarray, k: int
) -> tuple[str, ...]:
    lift = centroid - baseline
    picked: list[str] = []
    for j in np.argsort(-lift, kind="stable"):
        if lift[j] <= 0 or len(picked) >= k:
            break
        term = str(vocabulary[j]).strip()
        if len(term) < 2 or any(term in p or p in term for p in picked):
            continue
        picked.append(term)
    return tuple(picked)


def find(
    cases: Sequence[Case],
    split_at: datetime,
    *,
    eps: float = EPS,
    min_cases: int = MIN_CASES,
    top_terms: int = TOP_TERMS,
) -> list[Demand]:
    """The concentrated demands among ``cases``, largest first; ``split_at`` divides the period
    into its earlier and later half for the trend."""
    cases = sorted(cases, key=lambda c: (c.reported_at, c.id), reverse=True)[:MAX_CASES]
    if len(cases) < min_cases:
        return []
    titles = [c.title or "" for c in cases]
    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), min_df=2,
                                 sublinear_tf=True, preprocessor=normalise, dtype=np.float32)  # fmt: skip
    try:
        x = vectoriser.fit_transform(titles)
    except ValueError:  # no n-gram occurs twice: nothing can cluster
        return []
    labels = DBSCAN(eps=eps, min_samples=min_cases, metric="cosine").fit_predict(x)
    vocabulary = vectoriser.get_feature_names_out()
    baseline = np.asarray(x.mean(axis=0)).ravel()
    demands = []
    for k in range(labels.max() + 1):
        members = np.flatnonzero(labels == k)
        chosen = [cases[i] for i in members]
        centroid = np.asarray(x[members].mean(axis=0)).ravel()
        demands.append(
            Demand(
                terms=_terms(centroid, baseline, vocabulary, top_terms),
                case_ids=tuple(c.id for c in chosen),
                recent=sum(c.reported_at >= split_at for c in chosen),
                earlier=sum(c.reported_at < split_at for c in chosen),
                main_type=Counter(c.type_code for c in chosen).most_common(1)[0][0],
            )
        )
    return sorted(demands, key=lambda d: (-d.size, d.case_ids))
