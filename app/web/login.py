"""登录: the sign-in page, a plain server-rendered form (no Dash: every Dash endpoint needs a
signed-in user, so the one page an anonymous visitor may open must not depend on them).

``/login?next=/path&error=code&lang=en``. Jinja escapes every value it writes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from app.context import settings
from app.web.auth import LOGIN_ERRORS, current_user, safe_next
from domain.i18n import t

blueprint = Blueprint("login", __name__, template_folder="templates")
LANGS = ("zh", "en")


@blueprint.get("/login")
def login_page() -> Response:
    """The form, or who is signed in with a sign-out button."""
    lang = request.args.get("lang")
    if lang not in LANGS:
        lang = settings().language
    target = safe_next(request.args.get("next"))
    error = request.args.get("error")
    other = "en" if lang == "zh" else "zh"
    query = {"next": target} if target != "/" else {}
    if error in LOGIN_ERRORS:
        query["error"] = error
    body = render_template(
        "login.html",
        t=lambda key: t(key, lang),
        html_lang="zh-CN" if lang == "zh" else "en",
        user=current_user(),
        target=target,
        error=error if error in LOGIN_ERRORS else None,
        other_lang_href="/login?" + urlencode({**query, "lang": other}),
    )
    resp = Response(body, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp
