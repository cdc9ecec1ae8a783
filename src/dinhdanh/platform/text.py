"""Free text from forms and JSON: NFC, no control characters.

PostgreSQL refuses a NUL byte in text (SQLite stores it), and other control characters only
hide things from the person who reads the text later; line breaks are kept."""

from __future__ import annotations

import unicodedata


def clean_text(value: str | None) -> str:
    """NFC text without control characters (line breaks kept), trimmed."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


def clean_line(value: str | None) -> str:
    """One line of text: `clean_text` with every run of white space made one space."""
    return " ".join(clean_text(value).split())
