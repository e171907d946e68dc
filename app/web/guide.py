"""群众办事指南 /guide: the public guide — no sign-in — with every dispute type's standard path
drawn as a flow, and a case lookup by case reference plus the last four digits of the
reporter's phone that shows only where the case stands and its next deadline.

A server-rendered Flask page and form (like the sign-in page), not a Dash page: a public Dash
page would need ``/_dash-update-component`` open to anonymous callers, and with it every other
callback. Only ``GET /guide`` and ``POST /guide/lookup`` are public (``auth.PUBLIC_PATHS``).

The lookup reads through ``zongzhi_guide_lookup`` (migration 0018), a SECURITY DEFINER function
owned by the owner: it returns the type, status, a merged flag and the next deadline as a date
for one exact (reference, last-four) match, and nothing otherwise. A row-level policy for a
"guide" scope was the alternative; it was not chosen because a policy opens whole rows — the app's
role may read every column of a row it sees — so the names, phone, address and description of
the matched case would be one careless query away. The function hands out four fields, takes
the reference by equality, and the request's scope stays anonymous (no case row visible).

Against guessing: the same answer for a wrong reference, a wrong last four and someone else's
case; every lookup answered no sooner than a fixed floor (``guide_lookup_floor_ms``) whether
found or not; per-address rate limits on the page and the lookup, and a lockout once an address
has failed too often (``guide_lockout``: only failed lookups count, on Flask-Limiter's storage,
Redis when configured); every lookup audited (``guide.lookup`` with the address and whether it
matched; never the phone digits).
"""

from __future__ import annotations

import time
import unicodedata
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, g, redirect, render_template, request

from app.components.grid_panel import named
from app.context import connection, settings
from app.web import auth, sessions
from domain.i18n import t
from domain.paths import current_steps, steps_done
from geodata.read import guide as queries
from geodata.settings import Settings
from geodata.write.users import record_audit

blueprint = Blueprint("guide", __name__, template_folder="templates")
LANGS = ("zh", "en")
REF_MAX = 64
AUDIT_ACTION = "guide.lookup"


def _lang(value: str | None) -> str:
    return value if value in LANGS else settings().language


def _paths(lang: str) -> list[dict[str, Any]]:
    with connection() as conn:
        rows = queries.standard_paths(conn)
    return [
        {
            "code": r["code"],
            "name": named("type", r["code"], r["name"], lang),
            "steps": list(r["steps"]),
            "limit": t("guide.limit_days", lang).format(n=r["time_limit_days"]),
            "lead": named("dept", r["lead_code"], r["lead_name"], lang),
            "cooperating": [named("dept", c["code"], c["name"], lang) for c in r["cooperating"]],
        }
        for r in rows
    ]


def _page(lang: str, status: int = 200, **context: Any) -> Response:
    other = "en" if lang == "zh" else "zh"
    body = render_template(
        "guide.html",
        t=lambda key: t(key, lang),
        lang=lang,
        html_lang="zh-CN" if lang == "zh" else "en",
        other_lang_href="/guide?" + urlencode({"lang": other}),
        sep="、" if lang == "zh" else ", ",
        paths=context.pop("paths", None) or _paths(lang),
        **context,
    )
    resp = Response(body, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@blueprint.get("/guide")
def guide_page() -> Response:
    """Every type's standard path, and the lookup form."""
    return _page(_lang(request.args.get("lang")))


def clean_input(ref: Any, last4: Any) -> tuple[str, str] | None:
    """(reference, last four digits) from the form, or None when either is malformed.

    Full-width digits and letters (from a Chinese input method) are folded to ASCII."""
    if not isinstance(ref, str) or not isinstance(last4, str):
        return None
    ref = unicodedata.normalize("NFKC", ref).strip()
    last4 = unicodedata.normalize("NFKC", last4).strip()
    if not ref or len(ref) > REF_MAX or not ref.isprintable():
        return None
    if len(last4) != 4 or not (last4.isascii() and last4.isdigit()):
        return None
    return ref, last4


def _result(hit: dict[str, Any], paths: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """What the page shows of a found case: its type's path with the step it stands on, the
    status label and the next deadline."""
    path = next((p for p in paths if p["code"] == hit["type_code"]), None)
    n = len(path["steps"]) if path else 0
    current = list(current_steps(hit["status"], n))
    return {
        "type_code": hit["type_code"],
        "type_name": path["name"] if path else hit["type_code"],
        "status": t(f"status.{hit['status']}", lang),
        "merged": bool(hit["merged"]),
        "steps": path["steps"] if path else [],
        "current": current,
        "done": list(steps_done(hit["status"], n)),
        "step_label": " → ".join(path["steps"][i] for i in current) if path and current else "",
        "archived": hit["status"] == "archived",
        "due": hit["next_due"].isoformat() if hit["next_due"] else None,
    }


def _wait_until(started: float) -> None:
    """Answer no sooner than the floor after ``started``: a match and a miss take alike."""
    left = settings().guide_lookup_floor_ms / 1000 - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)


@blueprint.get("/guide/lookup")
def lookup_by_get() -> Response:
    """The form posts; a GET (a reload, a shared link) goes back to the guide — and never falls
    through to the Dash page routes, which must not answer an anonymous caller."""
    return redirect("/guide?" + urlencode({"lang": _lang(request.args.get("lang"))}), code=303)


@blueprint.post("/guide/lookup")
def lookup() -> Response:
    """Look one case up; the same "not found" for every kind of miss."""
    started = time.monotonic()
    lang = _lang(request.form.get("lang"))
    given = clean_input(request.form.get("ref"), request.form.get("last4"))
    user = auth.current_user()
    hit = None
    with connection() as conn:
        if given is not None:
            hit = queries.lookup(conn, *given)
        reason = "invalid" if given is None else ("found" if hit else "not_found")
        record_audit(
            conn,
            user["username"] if user else "anonymous",
            user["role"] if user else auth.ANONYMOUS_ROLE,
            AUDIT_ACTION,
            None,
            {
                **sessions.client(),
                "found": hit is not None,
                "reason": reason,
                "ref": (given[0] if given else str(request.form.get("ref") or ""))[:REF_MAX],
            },
        )
    # Only a well-formed miss counts towards the address's lockout (``guide_lockout``).
    g.guide_lookup_missed = reason == "not_found"
    paths = _paths(lang)
    _wait_until(started)
    if hit is None:
        message = "guide.lookup.invalid" if given is None else "guide.lookup.not_found"
        # Nothing of the request echoed back: every miss is answered byte for byte alike.
        return _page(lang, paths=paths, message=message)
    return _page(lang, paths=paths, result=_result(hit, paths, lang), ref=given[0])


def _missed(_response: Response) -> bool:
    return bool(g.get("guide_lookup_missed"))


@blueprint.errorhandler(429)
def too_many(_error: Exception) -> Response:
    """A rate limit or the lockout: the guide again, saying to wait (429, never an error page)."""
    lang = _lang(request.values.get("lang"))
    resp = _page(lang, status=429, message="guide.lookup.too_many")
    resp.headers["Retry-After"] = "60"
    return resp


def init_app(server: Flask, app_settings: Settings) -> None:
    """Register the guide with its per-address limits (after ``auth.init_app``)."""
    server.register_blueprint(blueprint)
    limiter = auth.limiter_of(server)
    server.view_functions["guide.guide_page"] = limiter.limit(app_settings.guide_rate_limit)(
        server.view_functions["guide.guide_page"]
    )
    view = limiter.limit(app_settings.guide_lookup_rate_limit)(
        server.view_functions["guide.lookup"]
    )
    view = limiter.limit(app_settings.guide_lockout, deduct_when=_missed)(view)
    server.view_functions["guide.lookup"] = view
