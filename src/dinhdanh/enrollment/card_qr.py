"""The QR code on the card: the national 7-field text, read and written, and drawn.

Format (DOMAIN.md, "Card QR"): UTF-8, `|`-separated,
`personal_id|old 9-digit ID or empty|full name|DDMMYYYY birth|Nam or Nữ|permanent
residence|DDMMYYYY issue date`. Scanners may append `\\r`. The 2024 card adds fields
after these, in an order not confirmed: the first seven are read by position and the rest
are kept as they are.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

import segno

from dinhdanh.enrollment.card_text import SEX_LABELS, format_date, parse_date, parse_sex

__all__ = [
    "CardQr",
    "CardQrError",
    "build_qr_text",
    "parse_qr_text",
    "qr_png",
    "qr_svg",
]

SEPARATOR: Final = "|"
FIELD_COUNT: Final = 7
Field = Literal[
    "format", "personal_id", "legacy_id", "full_name", "birth_date", "sex", "residence",
    "issue_date",
]  # fmt: skip


class CardQrError(ValueError):
    """A card QR text that cannot be read or written; `field` names the culprit."""

    def __init__(self, field: Field, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field: Field = field
        self.message = message


@dataclass(frozen=True)
class CardQr:
    """The card QR's content; `extra` holds the 2024 card's fields after the seventh."""

    personal_id: str
    legacy_id: str
    full_name: str
    birth_date: dt.date
    sex: str
    residence: str
    issue_date: dt.date
    extra: tuple[str, ...] = ()


def _digits(value: str, lengths: tuple[int, ...]) -> bool:
    return len(value) in lengths and value.isascii() and value.isdigit()


def _plain(field: Field, value: str) -> str:
    if any(ch in value for ch in (SEPARATOR, "\r", "\n")):
        raise CardQrError(field, "a QR field cannot hold '|' or a line break")
    return unicodedata.normalize("NFC", value)


def build_qr_text(card: CardQr) -> str:
    """The QR text of a card (no trailing line break)."""
    if not _digits(card.personal_id, (12,)):
        raise CardQrError("personal_id", "the personal ID must be 12 digits")
    if card.legacy_id and not _digits(card.legacy_id, (9, 12)):
        raise CardQrError("legacy_id", "the old ID must be 9 or 12 digits")
    if card.sex not in SEX_LABELS:
        raise CardQrError("sex", "sex must be M or F")
    fields = [
        card.personal_id,
        card.legacy_id,
        _plain("full_name", card.full_name),
        format_date(card.birth_date),
        SEX_LABELS[card.sex],
        _plain("residence", card.residence),
        format_date(card.issue_date),
        *(_plain("format", extra) for extra in card.extra),
    ]
    return SEPARATOR.join(fields)


def parse_qr_text(text: str) -> CardQr:
    """Read a card's QR text (a trailing `\\r` or line break is ignored)."""
    fields = unicodedata.normalize("NFC", text).rstrip("\r\n").split(SEPARATOR)
    if len(fields) < FIELD_COUNT:
        raise CardQrError("format", f"a card QR has {FIELD_COUNT} fields separated by '|'")
    pid, legacy, name, birth, sex, residence, issued, *extra = fields
    if not _digits(pid, (12,)):
        raise CardQrError("personal_id", "the personal ID must be 12 digits")
    if legacy and not _digits(legacy, (9, 12)):
        raise CardQrError("legacy_id", "the old ID must be 9 or 12 digits")
    if not name.strip():
        raise CardQrError("full_name", "the name is empty")
    birth_date = parse_date(birth)
    if birth_date is None:
        raise CardQrError("birth_date", "the birth date must be DDMMYYYY")
    sex_code = parse_sex(sex)
    if sex_code is None:
        raise CardQrError("sex", "sex must be Nam or Nữ")
    issue_date = parse_date(issued)
    if issue_date is None:
        raise CardQrError("issue_date", "the issue date must be DDMMYYYY")
    return CardQr(
        personal_id=pid,
        legacy_id=legacy,
        full_name=" ".join(name.split()),
        birth_date=birth_date,
        sex=sex_code,
        residence=residence.strip(),
        issue_date=issue_date,
        extra=tuple(extra),
    )


def _qr(text: str) -> segno.QRCode:
    # Byte mode in UTF-8 without an ECI header, as the card's own QR; readers detect UTF-8.
    return segno.make_qr(text, error="m", encoding="utf-8")


def qr_png(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """The QR code of `text` as a PNG image."""
    out = io.BytesIO()
    _qr(text).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def qr_svg(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """The QR code of `text` as an SVG document (UTF-8)."""
    out = io.BytesIO()
    _qr(text).save(out, kind="svg", scale=scale, border=border, xmldecl=False)
    return out.getvalue()
