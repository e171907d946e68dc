"""Train the type classifier on the labelled cases in the database and store it as the active
model, with its held-out metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from classify.model import KIND, SEED, TEST_SHARE, TypeInfo, case_text, train_and_evaluate
from geodata.read.texts import labelled_texts, type_catalogue
from geodata.write import text_models


class NoTrainingData(ValueError):
    """Too few labelled cases to learn from; the message says what to do."""


@dataclass(frozen=True)
class TrainingSet:
    """Every labelled case's text (title + description) and type, and the catalogue."""

    texts: list[str]
    labels: list[str]
    types: list[TypeInfo]


def training_set(conn: Connection) -> TrainingSet:
    """What a model learns from: the labelled cases the caller may see, by id."""
    rows = labelled_texts(conn)
    labels = [code for _t, _d, code in rows]
    if len(set(labels)) < 2:
        raise NoTrainingData(
            f"{len(rows)} labelled case(s) of {len(set(labels))} type(s): a classifier needs"
            " cases of at least two types (load some, e.g. zongzhi demo load)"
        )
    types = [TypeInfo(code, name, lead) for code, name, lead in type_catalogue(conn)]
    texts = [case_text(title, description) for title, description, _ in rows]
    return TrainingSet(texts, labels, types)


def train(
    engine: Engine, *, seed: int = SEED, test_share: float = TEST_SHARE, by: str = "cli"
) -> dict[str, Any]:
    """Learn type from every labelled case, store the model as the active one and return its
    metrics (with the stored model's ``id`` and size in ``bytes``). Reads in one transaction and
    stores in another: learning takes a minute at full scale, longer than the server lets a
    transaction sit idle."""
    with engine.connect() as conn:
        data = training_set(conn)
    model, result = train_and_evaluate(data.texts, data.labels, data.types, seed, test_share)
    payload = model.to_bytes()
    result["bytes"] = len(payload)
    with engine.begin() as conn:
        model_id = text_models.store(conn, KIND, result, payload, by=by)
    return {"id": model_id, **result}
