"""How the card writes sex and dates in its human-readable parts (the QR and DG13)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Final

__all__ = ["SEX_LABELS", "format_date", "parse_date", "parse_sex"]

SEX_LABELS: Final = {"M": "Nam", "F": "Nữ"}
_SEX_CODES: Final = {label: code for code, label in SEX_LABELS.items()}


def parse_sex(label: str) -> str | None:
    """`M` or `F` for the card's `Nam` / `Nữ` (any Unicode normalisation), else None."""
    return _SEX_CODES.get(unicodedata.normalize("NFC", label.strip()))


def format_date(day: dt.date, separator: str = "") -> str:
    """DDMMYYYY (the QR) or, with a separator, DD/MM/YYYY (the chip)."""
    return f"{day.day:02d}{separator}{day.month:02d}{separator}{day.year:04d}"


def parse_date(text: str, separator: str = "") -> dt.date | None:
    """The inverse of `format_date`; None when `text` is not such a date."""
    parts = text.split(separator) if separator else [text[:2], text[2:4], text[4:]]
    if len(parts) != 3 or [len(p) for p in parts] != [2, 2, 4]:
        return None
    if not all(p.isascii() and p.isdigit() for p in parts):
        return None
    try:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None
