"""Vietnamese personal names: normalisation, accent-insensitive folding, splitting, checks.

A full name is written family name, middle name(s) (possibly none, possibly several),
given name; people are sorted and addressed by the given name. Names are stored in NFC
and compared with :func:`fold`.
"""

from __future__ import annotations

import unicodedata
from typing import Final

__all__ = [
    "MAX_NAME_PART_LENGTH",
    "fold",
    "full_name",
    "nfc",
    "split_full_name",
    "validate_name_part",
]

MAX_NAME_PART_LENGTH: Final = 50
# Hyphen (Ê-đê style names), ASCII apostrophe and the typographic one (foreign names).
_SEPARATORS: Final = frozenset(" -'\u2019")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC (the form names are stored in)."""
    return unicodedata.normalize("NFC", text)


def _collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def fold(text: str) -> str:
    """Fold for accent-insensitive comparison: no diacritics, đ→d, lower case, single spaces."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("Đ", "d").replace("đ", "d")
    return _collapse_spaces(stripped.casefold())


def split_full_name(full: str) -> tuple[str, str, str]:
    """Split a full name into (family, middle, given); a one-word name is a given name only."""
    words = nfc(full).split()
    if not words:
        raise ValueError("full name is empty")
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def full_name(family: str, middle: str, given: str) -> str:
    """Join name parts in Vietnamese order, skipping empty parts, as NFC."""
    parts = (_collapse_spaces(nfc(p)) for p in (family, middle, given))
    return " ".join(p for p in parts if p)


def _is_latin_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith(
        "LATIN "
    )


def validate_name_part(s: str, *, required: bool, label: str = "name") -> str:
    """Check one name part and return it cleaned (NFC, single spaces); ValueError if invalid.

    Allowed: Latin letters (with any Vietnamese diacritics), spaces, hyphens and
    apostrophes, at most ``MAX_NAME_PART_LENGTH`` characters. Non-Latin scripts are
    refused so that look-alike letters (Cyrillic ``а``) cannot make two names differ.
    """
    if not isinstance(s, str):
        raise ValueError(f"{label} must be text")
    text = nfc(s)
    for ch in text:
        if unicodedata.category(ch).startswith("C"):
            raise ValueError(f"{label} contains a control or invisible character")
    text = _collapse_spaces(text)
    if not text:
        if required:
            raise ValueError(f"{label} is required")
        return ""
    if len(text) > MAX_NAME_PART_LENGTH:
        raise ValueError(f"{label} is longer than {MAX_NAME_PART_LENGTH} characters")
    previous = ""
    for ch in text:
        if unicodedata.category(ch).startswith("N"):
            raise ValueError(f"{label} must not contain digits")
        is_mark = bool(unicodedata.combining(ch))
        if is_mark and (previous == "letter" or previous == "mark"):
            # A combining mark NFC could not compose (rare tone marks): allowed on a letter.
            previous = "mark"
            continue
        if _is_latin_letter(ch):
            previous = "letter"
            continue
        if ch in _SEPARATORS:
            previous = "separator"
            continue
        raise ValueError(
            f"{label} contains an invalid character {ch!r}: "
            "only letters, spaces, hyphens and apostrophes are allowed"
        )
    if not _is_latin_letter(text[0]) or previous == "separator":
        raise ValueError(f"{label} must start and end with a letter")
    return text
