"""The message catalogue: gettext ``.po`` files (zh_CN first, English second) read with Babel.

``msgid`` is the message key (``summary.grids``, ``reason.unknown_code``), so translators open
``locale/<lang>/LC_MESSAGES/zongzhi.po`` in Poedit or Weblate; pages, the CLI, the ETL's
quarantine reasons and reports all translate from here.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

LOCALES = {"zh": "zh_CN", "en": "en"}


@cache
def _catalogue(lang: str) -> dict[str, str]:
    path = resources.files("domain.i18n") / "locale" / LOCALES[lang] / "LC_MESSAGES" / "zongzhi.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale=LOCALES[lang])
    return {m.id: m.string for m in catalog if m.id and isinstance(m.id, str)}


@cache
def messages() -> dict[str, dict[str, str]]:
    """key → {lang: text} for every key of the Chinese catalogue."""
    zh = _catalogue("zh")
    en = _catalogue("en")
    return {k: {"zh": v, "en": en.get(k, "")} for k, v in zh.items()}


# Read once at import: two small packaged files, no I/O beyond the package itself.
MESSAGES: dict[str, dict[str, str]] = messages()


def t(key: str, lang: str = "zh") -> str:
    """The message for ``key`` in ``lang`` (falls back to Chinese, then to the key itself)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry.get("zh") or key
