"""The one masking rule for personal data (PIPL), mirrored in SQL by ``geodata.read.features``.

* ID numbers (身份证号, 15 or 18 characters): the first 6 (the issuing county) and the last 4 are
  kept, the rest starred — ``150102********1234``. Anything shorter than 15 characters is not a
  usable ID number and is starred whole, so a short or mistyped value never shows through.
* Phones: the first 3 and last 4 kept when there are at least 11 characters (``138****5678``),
  starred whole otherwise.
* Names: the surname (one character, or two for a compound surname) and one ``*``.
* Free text (case titles and descriptions, patrol findings, notes) shown to a role not cleared:
  every ID-shaped run (15 or 18 characters, digits with a final X) and every mobile-shaped run
  (11 digits starting with 13–19) is replaced by its masked form. ``redact`` here and
  ``features.redact_sql`` in PostgreSQL apply the same patterns.

The ETL uses the same rule for what it keeps of a quarantined row, and the map for what it shows.
"""

from __future__ import annotations

import re

ID_MIN_LENGTH = 15
PHONE_MIN_LENGTH = 11
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
    "端木",
    "独孤",
)

# Not part of a longer run of digits: an 18-character ID (17 digits + digit or X), a 15-digit
# old ID, an 11-digit mobile number. Written so Python's re and PostgreSQL's regex agree.
ID_PATTERN = r"(?<![0-9])([0-9]{6})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9Xx])"
OLD_ID_PATTERN = r"(?<![0-9])([0-9]{6})([0-9]{5})([0-9]{4})(?![0-9])"
PHONE_PATTERN = r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])"
_PATTERNS = (
    (re.compile(ID_PATTERN), 8),
    (re.compile(OLD_ID_PATTERN), 5),
    (re.compile(PHONE_PATTERN), 4),
)


def mask_id(value: str | None) -> str | None:
    """An ID number masked (see the module docstring); None stays None."""
    if value is None:
        return None
    if len(value) >= ID_MIN_LENGTH:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    return "*" * len(value)


def mask_phone(value: str | None) -> str | None:
    """A phone masked (see the module docstring); None stays None."""
    if value is None:
        return None
    if len(value) >= PHONE_MIN_LENGTH:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * len(value)


def mask_name(value: str | None) -> str | None:
    """A name reduced to its surname and one ``*``; None stays None."""
    if value is None:
        return None
    if len(value) >= 3 and value[:2] in COMPOUND_SURNAMES:
        return value[:2] + "*"
    return value[:1] + "*" if len(value) >= 2 else "*"


def redact(text: str | None) -> str | None:
    """Free text with every ID- and phone-shaped run masked; None stays None."""
    if not text:
        return text
    for pattern, stars in _PATTERNS:
        text = pattern.sub(lambda m, n=stars: m.group(1) + "*" * n + m.group(3), text)
    return text
