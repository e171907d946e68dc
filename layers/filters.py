"""The map's filters: one model shared by every layer, the tile routes and the URL.

A period is a preset (今日/本周/本月/本年, the last N days, all) or a custom date range; the
time slider sets a custom range one week long. Calendar presets start at local midnight in
Asia/Shanghai, the centre's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from domain import vocab
from domain.clock import LOCAL_TZ
from geodata.read import areas as queries

Period = Literal["today", "week", "month", "year", "30d", "90d", "365d", "all", "custom"]
PERIODS: tuple[str, ...] = ("today", "week", "month", "year", "30d", "90d", "365d", "all", "custom")
ROLLING_DAYS = {"30d": 30, "90d": 90, "365d": 365}
SOURCES = vocab.DISPUTE_SOURCES
STATUSES = vocab.DISPUTE_STATUSES
RISKS = vocab.RISK_LEVELS
# URL keys for the list filters (comma-separated values).
LIST_KEYS = {"types": "types", "sources": "sources", "statuses": "status", "risks": "risk"}


def _choices(allowed: tuple[str, ...]):  # noqa: ANN202 — a pydantic validator factory
    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ValueError(f"unknown value(s) {bad}; expected some of {list(allowed)}")
        return tuple(dict.fromkeys(values))

    return check


DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)


class MapFilters(BaseModel, frozen=True):
    """Period plus dispute type, source, status and risk (empty = all)."""

    period: Period = "365d"
    start: date | None = None
    end: date | None = None
    types: tuple[str, ...] = Field(default=())
    sources: tuple[str, ...] = Field(default=())
    statuses: tuple[str, ...] = Field(default=())
    risks: tuple[str, ...] = Field(default=())

    _sources = field_validator("sources")(_choices(SOURCES))
    _statuses = field_validator("statuses")(_choices(STATUSES))
    _risks = field_validator("risks")(_choices(RISKS))

    @field_validator("start", "end")
    @classmethod
    def _plausible(cls, value: date | None) -> date | None:
        # Old petitions go back decades; a date far outside (9999-12-31) is a typo or a probe.
        if value is not None and not (DATE_MIN <= value <= DATE_MAX):
            raise ValueError(f"date {value} outside {DATE_MIN}..{DATE_MAX}")
        return value

    @field_validator("types")
    @classmethod
    def _types(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for v in values if v))

    def window(self, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
        """[start, end) of the period as aware datetimes; None means open-ended."""
        now = (now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)
        today = datetime.combine(now.date(), time(), LOCAL_TZ)
        if self.period == "today":
            return today, None
        if self.period == "week":
            return today - timedelta(days=now.weekday()), None
        if self.period == "month":
            return today.replace(day=1), None
        if self.period == "year":
            return today.replace(month=1, day=1), None
        if self.period in ROLLING_DAYS:
            return now - timedelta(days=ROLLING_DAYS[self.period]), None
        if self.period == "custom":
            start = datetime.combine(self.start, time(), LOCAL_TZ) if self.start else None
            end = (
                datetime.combine(self.end + timedelta(days=1), time(), LOCAL_TZ)
                if self.end
                else None
            )
            return start, end
        return None, None

    def days(self, now: datetime | None = None, floor: date | None = None) -> float:
        """Length of the period in days (open ends close at ``now`` and ``floor``)."""
        now = now or datetime.now(LOCAL_TZ)
        start, end = self.window(now)
        end = min(end or now, now)
        if start is None:
            start = datetime.combine(floor or (now.date() - timedelta(days=365)), time(), LOCAL_TZ)
        return max((end - start).total_seconds() / 86400, 1 / 24)

    def dispute_filter(self, now: datetime | None = None) -> queries.DisputeFilter:
        """The SQL-side filter for disputes."""
        start, end = self.window(now)
        return queries.DisputeFilter(
            start=start,
            end=end,
            type_codes=self.types,
            sources=self.sources,
            statuses=self.statuses,
            risks=self.risks,
        )

    def to_query(self) -> dict[str, str]:
        """URL query keys for this filter (defaults left out)."""
        out: dict[str, str] = {}
        if self.period != "365d":
            out["period"] = self.period
        if self.period == "custom":
            if self.start:
                out["from"] = self.start.isoformat()
            if self.end:
                out["to"] = self.end.isoformat()
        for attr, key in LIST_KEYS.items():
            values = getattr(self, attr)
            if values:
                out[key] = ",".join(values)
        return out

    def key(self) -> str:
        """A stable string naming this filter (for caches)."""
        return "&".join(f"{k}={v}" for k, v in sorted(self.to_query().items()))

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> MapFilters:
        """Filters from URL query keys; a malformed key is dropped, never an error page."""
        raw: dict[str, object] = {}
        if query.get("period"):
            raw["period"] = query["period"]
        for key, attr in (("from", "start"), ("to", "end")):
            if query.get(key):
                raw[attr] = query[key]
        for attr, key in LIST_KEYS.items():
            if query.get(key):
                raw[attr] = tuple(v for v in str(query[key]).split(",") if v)
        try:
            return cls(**raw)
        except ValidationError as exc:
            bad = {str(err["loc"][0]) for err in exc.errors()}
            return cls(**{k: v for k, v in raw.items() if k not in bad})
