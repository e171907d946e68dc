"""What the /audit page searches: its inputs checked into a ``geodata.read.audit.AuditQuery``,
and which page it shows (a stack of keyset cursors kept in the browser, checked on every use).

Dates are local days (Asia/Shanghai): ``from`` its midnight, ``to`` the midnight after it.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from domain.clock import local, midnight
from geodata.read.audit import MAX_TEXT, AuditQuery, Cursor

FIELDS = ("user", "action", "object", "from", "to")
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_ACTION = 40  # audit_log.action is varchar(40)
MAX_PAGES = 10_000  # cursors kept for "newer"
MAX_ID = 2**63 - 1


class BadSearch(ValueError):
    """A search the page cannot run; ``code`` names the message (``audit.error.<code>``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadSearch("bad_search")
    return value.strip() or None


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadSearch("bad_search")
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        raise BadSearch("bad_search") from None
    if not EARLIEST <= day <= LATEST:
        raise BadSearch("bad_search")
    return day


def search_of(raw: Any) -> tuple[AuditQuery, dict[str, str]]:
    """(the query, the search as applied: ``FIELDS`` → text, empty ones left out) of the raw
    values ``raw`` ("user", "action", "object", "from", "to"); BadSearch when any is unusable."""
    if not isinstance(raw, dict):
        raise BadSearch("bad_search")
    user = _text(raw.get("user"), MAX_TEXT)
    action = _text(raw.get("action"), MAX_ACTION)
    obj = _text(raw.get("object"), MAX_TEXT)
    first, last = _day(raw.get("from")), _day(raw.get("to"))
    if first and last and last < first:
        raise BadSearch("bad_dates")
    query = AuditQuery(
        user=user,
        action=action,
        object_prefix=obj,
        start=midnight(first) if first else None,
        end=midnight(last + timedelta(days=1)) if last else None,
    )
    applied = {"user": user, "action": action, "object": obj,
               "from": first.isoformat() if first else None,
               "to": last.isoformat() if last else None}  # fmt: skip
    return query, {k: v for k, v in applied.items() if v}


def cursor_text(cursor: Cursor | None) -> list[Any] | None:
    """A cursor as the browser keeps it: [ISO time, id]."""
    return None if cursor is None else [cursor[0].isoformat(), cursor[1]]


def cursor_of(value: Any) -> Cursor | None:
    """The cursor the browser sent, or None when it is not one."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    at, ident = value
    if not isinstance(at, str) or len(at) > 40 or isinstance(ident, bool):
        return None
    if not isinstance(ident, int) or not 0 < ident <= MAX_ID:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    return (moment, ident) if moment.tzinfo is not None else None


def pages_of(paging: Any, applied: dict[str, str], step: str | None) -> list[Cursor | None]:
    """The cursors of the pages up to the one to show (None: the first page), after ``step``
    ("older", "newer" or anything else: start over) from the browser's ``paging``.

    A paging state for another search, or one that does not check out, starts over."""
    if step not in ("older", "newer") or not isinstance(paging, dict):
        return [None]
    if paging.get("search") != applied or not isinstance(paging.get("pages"), list):
        return [None]
    kept = paging["pages"]
    if not kept or kept[0] is not None or len(kept) > MAX_PAGES:
        return [None]
    pages: list[Cursor | None] = [None]
    for value in kept[1:]:
        cursor = cursor_of(value)
        if cursor is None:
            return [None]
        pages.append(cursor)
    if step == "newer":
        return pages[:-1] or [None]
    after = cursor_of(paging.get("next"))
    return [*pages, after] if after is not None else pages


def paging_state(
    applied: dict[str, str], pages: list[Cursor | None], following: Cursor | None
) -> dict[str, Any]:
    """What the browser keeps for the next step."""
    return {"search": applied, "pages": [cursor_text(c) for c in pages],
            "next": cursor_text(following)}  # fmt: skip


def compact(detail: Any) -> str:
    """An entry's ``detail`` as compact JSON (Chinese kept readable); '' when there is none."""
    if detail is None:
        return ""
    return json.dumps(detail, ensure_ascii=False, separators=(",", ":"), default=str)


def local_time(moment: datetime) -> str:
    """An entry's time in Beijing time, to the second (ISO 8601 with its offset)."""
    return local(moment).isoformat(timespec="seconds")
