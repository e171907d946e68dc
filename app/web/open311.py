"""Open311 GeoReport v2 intake (/open311/v2/): source systems (12345 hotline, 110, the court …)
post cases and follow their own.

* ``GET  /open311/v2/services.json`` — the dispute types (类案标准化) as services.
* ``POST /open311/v2/requests.json`` — a new case: form-encoded or JSON; ``api_key``,
  ``service_code`` (optional: the description is then classified), ``description`` (诉求内容),
  ``lat``/``long`` (WGS84) or ``address_string``, ``first_name``/``last_name``/``phone``
  (stored, never echoed), ``attribute[source_ref]`` (the source's own reference: a repeat
  answers 200 with the same ``service_request_id``; a new case 201).
* ``GET  /open311/v2/requests.json`` and ``/open311/v2/requests/<id>.json`` — the key's own
  source's cases only, without personal data.

Who is asking is the API key (``geodata.write.tokens``), never a session: the paths are exempt
from sign-in and from the same-origin check (``auth.KEY_PREFIXES``; no cookie carries authority
here), and every request but the service list needs an active key — 403 otherwise. The work
runs under ``Scope.intake(source, city)`` so row-level security holds; each key has its own
rate limit (``open311_rate_limit``). Every refusal is an Open311 error list
``[{"code": 400, "description": "..."}]`` with the same HTTP status: never a stack trace.
JSON only (no ``.xml``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.context import connection, settings, unscoped_connection
from app.web import auth, guard
from domain.clock import LOCAL_TZ
from domain.clock import local as to_local
from domain.clock import now as local_now
from domain.i18n import t
from domain.masking import redact
from domain.scope import Scope
from domain.vocab import OPEN_STATUSES
from domain.workflow import WorkflowError
from geodata.read import intake as reads
from geodata.settings import Settings
from geodata.write import intake, tokens

log = logging.getLogger(__name__)
blueprint = Blueprint("open311", __name__, url_prefix="/open311")
PREFIX = "/open311/"
SERVICE_CODE_MAX = 16
LIST_LIMIT = 1000  # GeoReport v2: at most 1000 requests per answer …
LIST_DAYS = 90  # … and the last 90 days when no date or id is given
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_ID = re.compile(r"^[0-9]{1,18}$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")


class Refusal(Exception):
    """An Open311 error answer: HTTP status and message key (with its format values)."""

    def __init__(self, status: int, key: str, **values: Any) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.values = values


def _json(body: Any, status: int = 200) -> Response:
    resp = Response(
        json.dumps(body, ensure_ascii=False, default=str), status=status,
        mimetype="application/json",
    )  # fmt: skip
    resp.headers["Cache-Control"] = "no-store"
    return resp


def error(status: int, key: str, **values: Any) -> Response:
    """``[{"code": status, "description": ...}]`` with that HTTP status."""
    text = t(key, settings().language)
    return _json([{"code": status, "description": text.format(**values)}], status)


# -- reading what was sent ---------------------------------------------------------------------


def payload() -> dict[str, Any]:
    """The request's fields: the query string (GET) or the form / JSON object (POST), parsed
    once per request. ``attribute[source_ref]`` may also come as ``{"attribute": {...}}``."""
    cached = g.get("open311_payload")
    if cached is not None:
        return cached
    if request.method != "POST":
        data: dict[str, Any] = request.args.to_dict()
    elif request.mimetype in _FORM_TYPES:
        data = request.form.to_dict()
    elif request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        data = _json_object(request.get_data(cache=True))
    else:
        raise Refusal(415, "open311.error.media_type")
    attribute = data.get("attribute")
    if isinstance(attribute, dict):
        for k, v in attribute.items():
            data.setdefault(f"attribute[{k}]", v)
    g.open311_payload = data
    return data


def _no_constants(name: str) -> None:
    raise ValueError(name)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refusal(400, "open311.error.malformed_json") from None
    if not isinstance(data, dict):
        raise Refusal(400, "open311.error.malformed_json")
    return data


def _text(data: dict[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Refusal(400, "open311.error.field_type", field=field)
    return value


def _number(data: dict[str, Any], field: str) -> float | None:
    """A coordinate: a JSON number or a decimal string; anything else is refused."""
    value = data.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refusal(400, "open311.error.field_type", field=field)
    return float(value)


# -- who is asking -----------------------------------------------------------------------------


def _rate_key() -> str:
    """Each API key its own bucket (hashed); without a readable key, the client address."""
    try:
        key = payload().get("api_key")
    except Refusal:
        key = None
    if isinstance(key, str) and key:
        return "open311:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    return "open311-addr:" + (request.remote_addr or "?")


def _caller() -> tuple[Scope, str]:
    """(the intake scope, the source) of an active key, else a 403 refusal."""
    with unscoped_connection() as conn:
        token = tokens.authenticate(conn, payload().get("api_key"))
        city = reads.city(conn) if token else None
    if token is None or city is None:
        raise Refusal(403, "open311.error.api_key")
    return Scope.intake(token["source"], city[0]), token["source"]


# -- routes ------------------------------------------------------------------------------------


@blueprint.get("/v2/services.json")
def services() -> Response:
    """The dispute types as Open311 services (public, like the guide's standard paths)."""
    lang = settings().language
    with connection(Scope.anonymous()) as conn:
        rows = reads.open311_services(conn)
    sep = "、" if lang == "zh" else ", "
    return _json(
        [
            {
                "service_code": r["code"],
                "service_name": r["name"],
                "description": t("open311.service.description", lang).format(
                    category=r["category"],
                    lead=r["lead"] or "",
                    steps=sep.join(r["steps"]),
                    days=r["time_limit_days"],
                ),  # fmt: skip
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join([r["category"], *r["steps"]]),
                "group": r["lead"] or "",
            }
            for r in rows
        ]
    )


def _classifier(conn: Any, text: str) -> list[tuple[str, str, float]]:
    from classify.active import ModelUnusable, classify

    try:
        return [tuple(g) for g in classify([text], 3, conn)[0]]  # type: ignore[misc]
    except ModelUnusable:
        log.warning("the stored text model cannot be loaded; intake without classification")
        return []


_REFUSED = {
    "source": ("open311.error.api_key", 403),
    "source_ref": ("open311.error.source_ref", 400),
    "text": ("open311.error.description", 400),
    "type": ("open311.error.service_code", 400),
    "no_model": ("open311.error.no_model", 400),
    "no_location": ("open311.error.no_location", 400),
    "coordinates": ("open311.error.coordinates", 400),
    "projected": ("open311.error.projected", 400),
    "swapped": ("open311.error.swapped", 400),
    "range": ("open311.error.range", 400),
    "outside": ("open311.error.outside", 400),
    "no_grid": ("open311.error.outside", 400),
    "address": ("open311.error.address", 400),
    "name": ("open311.error.name", 400),
    "phone": ("open311.error.phone", 400),
    "ref_in_use": ("open311.error.ref_in_use", 409),
}


@blueprint.post("/v2/requests.json")
def post_request() -> Response:
    """One new case (or the one this source's reference already made)."""
    data = payload()
    scope, source = _caller()
    service_code = _text(data, "service_code")
    if service_code is not None and len(service_code) > SERVICE_CODE_MAX:
        raise Refusal(400, "open311.error.service_code", code=service_code[:SERVICE_CODE_MAX])
    lat, lon = _number(data, "lat"), _number(data, "long")
    if (lat is None) != (lon is None):
        raise Refusal(400, "open311.error.coordinates")
    first, last = _text(data, "first_name"), _text(data, "last_name")
    name = "".join(p for p in (last, first) if p) or None  # 姓 then 名
    try:
        with connection(scope) as conn:
            result = intake.submit(
                conn, scope, source=source, source_ref=_text(data, "attribute[source_ref]"),
                text=_text(data, "description"), type_code=service_code, lon=lon, lat=lat,
                address=_text(data, "address_string"), reporter_name=name,
                reporter_phone=_text(data, "phone"),
                classifier=_classifier if service_code is None else None,
            )  # type: ignore[arg-type]  # fmt: skip
    except intake.IntakeRefused as exc:
        key, status = _REFUSED[exc.reason]
        raise Refusal(status, key, code=service_code or "", limit=intake.TEXT_MAX) from None
    except WorkflowError:
        raise Refusal(403, "open311.error.forbidden") from None
    lang = settings().language
    notice = t("open311.notice.received", lang).format(ref=result.reference)
    if not result.located:
        notice += t("open311.notice.needs_location", lang)
    if result.duplicates:
        notice += t("open311.notice.duplicate", lang)
    body = [{"service_request_id": str(result.case_id), "service_notice": notice,
             "account_id": None}]  # fmt: skip
    return _json(body, 201 if result.created else 200)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else to_local(value).isoformat(timespec="seconds")


def _as_request(row: dict[str, Any], lang: str) -> dict[str, Any]:
    """A case as an Open311 service request: no reporter, phone- and ID-shaped text masked."""
    return {
        "service_request_id": str(row["id"]),
        "status": "open" if row["status"] in OPEN_STATUSES else "closed",
        "status_notes": t(f"status.{row['status']}", lang),
        "service_name": row["type_name"],
        "service_code": row["type_code"],
        "description": redact(row["description"]),
        "agency_responsible": row["agency"],
        "service_notice": None,
        "requested_datetime": _iso(row["reported_at"]),
        "updated_datetime": _iso(row["updated_at"]),
        "expected_datetime": _iso(row["due_at"]),
        "address": redact(row["address"]),
        "address_id": None,
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": None,
        "attribute": {"source_ref": row["source_ref"]},
    }


def _when(data: dict[str, Any], field: str) -> datetime | None:
    value = _text(data, field)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Refusal(400, "open311.error.date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)  # Beijing time


def _ids(data: dict[str, Any]) -> list[int] | None:
    value = _text(data, "service_request_id")
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts or len(parts) > LIST_LIMIT or not all(_ID.match(p) for p in parts):
        raise Refusal(400, "open311.error.ids")
    return [int(p) for p in parts]


def _status(data: dict[str, Any]) -> bool | None:
    value = _text(data, "status")
    if value is None:
        return None
    wanted = {p.strip().lower() for p in value.split(",") if p.strip()}
    if not wanted or not wanted <= {"open", "closed"}:
        raise Refusal(400, "open311.error.status")
    return None if wanted == {"open", "closed"} else wanted == {"closed"}


@blueprint.get("/v2/requests.json")
def list_requests() -> Response:
    """This key's source's cases, filtered by ids, dates, status and service code."""
    data = payload()
    scope, source = _caller()
    ids, start, end = _ids(data), _when(data, "start_date"), _when(data, "end_date")
    closed, code = _status(data), _text(data, "service_code")
    if ids is None and start is None and end is None:
        start = local_now() - timedelta(days=LIST_DAYS)
    with connection(scope) as conn:
        rows = reads.open311_requests(
            conn, source, ids=ids, start=start, end=end, closed=closed,
            type_code=code[:SERVICE_CODE_MAX] if code else None, limit=LIST_LIMIT,
        )  # fmt: skip
    lang = settings().language
    return _json([_as_request(r, lang) for r in rows])


@blueprint.get("/v2/requests/<rid>.json")
def one_request(rid: str) -> Response:
    """One of this key's source's cases (a list of one, as GeoReport v2 answers)."""
    payload()
    scope, source = _caller()
    if not _ID.match(rid):
        raise Refusal(404, "open311.error.not_found")
    with connection(scope) as conn:
        rows = reads.open311_requests(conn, source, ids=[int(rid)], limit=1)
    if not rows:
        raise Refusal(404, "open311.error.not_found")
    return _json([_as_request(rows[0], settings().language)])


@blueprint.route("/<path:_rest>", methods=["GET", "POST"])
def unknown(_rest: str) -> Response:
    """Anything else under /open311/ (never the Dash pages' catch-all)."""
    raise Refusal(404, "open311.error.not_found")


# -- refusals and errors -------------------------------------------------------------------------


@blueprint.errorhandler(Refusal)
def _refused(exc: Refusal) -> Response:
    return error(exc.status, exc.key, **exc.values)


_HTTP_KEYS = {
    400: "open311.error.malformed_json",
    404: "open311.error.not_found",
    405: "open311.error.method",
    413: "open311.error.body_too_large",
    415: "open311.error.media_type",
    429: "open311.error.too_many",
}


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 400
    resp = error(code, _HTTP_KEYS.get(code, "open311.error.internal"),
                 limit=settings().open311_max_body_bytes)  # fmt: skip
    if code == 429:
        resp.headers["Retry-After"] = "60"
    return resp


@blueprint.errorhandler(429)
def _too_many(exc: HTTPException) -> Response:
    return _http_error(exc)


@blueprint.errorhandler(Exception)
def _failed(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        log.warning("database unavailable for %s %s: %s", request.method, request.path, exc)
        return error(503, "open311.error.unavailable")
    log.exception("open311 request failed: %s %s", request.method, request.path)
    return error(500, "open311.error.internal")


def _before() -> Response | None:
    """Ahead of the app's own checks, for /open311/ only: a body over the limit (413), a NUL
    character (400) and an unknown path or method, each answered the Open311 way."""
    if not request.path.startswith(PREFIX):
        return None
    limit = settings().open311_max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return error(413, "open311.error.body_too_large", limit=limit)
    request.max_content_length = limit  # a chunked body is cut off at the limit too
    try:
        if guard.has_nul():
            return error(400, "open311.error.nul")
    except RequestEntityTooLarge:
        return error(413, "open311.error.body_too_large", limit=limit)
    routing = request.routing_exception
    if isinstance(routing, HTTPException):
        return _http_error(routing)
    return None


def init_app(server: Flask, app_settings: Settings) -> None:
    """Register the API with its per-key rate limit (after ``auth`` and ``guard``: its own
    checks run first, so even a refused body is answered in the Open311 shape)."""
    server.register_blueprint(blueprint)
    limiter = auth.limiter_of(server)
    for name in ("services", "post_request", "list_requests", "one_request"):
        endpoint = f"open311.{name}"
        server.view_functions[endpoint] = limiter.limit(
            app_settings.open311_rate_limit, key_func=_rate_key
        )(server.view_functions[endpoint])
    server.before_request_funcs.setdefault(None, []).insert(0, _before)
