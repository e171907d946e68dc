"""The active type classifier: loaded from the database once per process and kept while it
stays the active model (one id lookup per use), and the classification every caller shares."""

from __future__ import annotations

import pickle
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from classify.model import KIND, TOP, Guess, TextModel
from geodata.read.texts import active_text_model, text_model_bytes

_lock = threading.Lock()
_cache: dict[str, tuple[int, TextModel]] = {}


class ModelUnusable(RuntimeError):
    """The stored model cannot be loaded here (e.g. trained by another scikit-learn)."""


def load_active(conn: Connection, kind: str = KIND) -> TextModel | None:
    """The active model of ``kind`` (None when none is trained), from the process's cache
    while its id is still the active one."""
    row = active_text_model(conn, kind)
    if row is None:
        with _lock:
            _cache.pop(kind, None)
        return None
    with _lock:
        hit = _cache.get(kind)
    if hit is not None and hit[0] == row["id"]:
        return hit[1]
    data = text_model_bytes(conn, row["id"])
    try:
        model = TextModel.from_bytes(data or b"")
    except (pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError,
            EOFError) as exc:  # fmt: skip
        raise ModelUnusable(
            f"stored model {row['id']} cannot be loaded ({exc.__class__.__name__}): retrain it"
            " with `zongzhi classify train`"
        ) from exc
    with _lock:
        _cache[kind] = (int(row["id"]), model)
    return model


def cached(kind: str = KIND) -> TextModel | None:
    """The model ``load_active`` last loaded in this process, without asking the database."""
    with _lock:
        hit = _cache.get(kind)
    return hit[1] if hit else None


def classify(
    texts: Sequence[str], top: int = TOP, conn: Connection | None = None
) -> list[list[Guess]]:
    """The ``top`` most likely types of each text as (code, name, p), best first; with ``conn``
    the active model is looked up first, without it the one already loaded is used. [] per
    text when there is no model."""
    model = load_active(conn) if conn is not None else cached()
    if model is None:
        return [[] for _ in texts]
    return model.top(texts, top)


def records(model: TextModel, texts: Sequence[str], top: int = TOP) -> list[dict[str, Any]]:
    """``{"text", "types": [{"code", "name", "p"}], "department"}`` per text: the lead
    department is the most likely type's (类案标准化)."""
    out = []
    for text, guesses in zip(texts, model.top(texts, top), strict=True):
        out.append(
            {
                "text": text,
                "types": [{"code": c, "name": n, "p": round(p, 4)} for c, n, p in guesses],
                "department": model.department(guesses[0][0]) if guesses else None,
            }
        )
    return out
