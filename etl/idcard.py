"""Citizen ID numbers (GB 11643): check digit and masking."""

from __future__ import annotations

from domain import masking

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(first17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) of a citizen ID number."""
    total = sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def valid_id_number(number: str) -> bool:
    """18 characters, 17 digits and the right check character."""
    return (
        len(number) == 18
        and number[:17].isdigit()
        and number[17] in "0123456789X"
        and id_check_digit(number[:17]) == number[17]
    )


def mask_id_number(value: str | None) -> str:
    """The project's one rule (``domain.masking.mask_id``): first 6 and last 4 of a 15- or
    18-character number, a shorter value starred whole; '' for nothing."""
    return masking.mask_id(value) or ""
