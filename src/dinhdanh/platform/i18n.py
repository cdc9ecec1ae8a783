"""Translations: Babel catalogs (msgids in English), Vietnamese by default."""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from functools import cache
from importlib import resources

from babel.messages.pofile import read_po

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_current: contextvars.ContextVar[str] = contextvars.ContextVar("lang", default=DEFAULT_LANGUAGE)


@cache
def catalog(lang: str) -> dict[str, str]:
    """The translations of one language, read from its .po file once."""
    if lang == "en":
        return {}
    # One .po file per context (platform.po, population.po, staff.po, ...), merged.
    folder = resources.files("dinhdanh") / "locale" / lang / "LC_MESSAGES"
    merged: dict[str, str] = {}
    for po in sorted(folder.iterdir(), key=lambda p: p.name):
        if not po.name.endswith(".po"):
            continue
        with po.open("rb") as fh:
            cat = read_po(fh, locale=lang)
        merged.update({m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string})
    return merged


def set_language(lang: str) -> contextvars.Token[str]:
    """Make `lang` the language of the current request or command."""
    return _current.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language of the current request or command."""
    return _current.get()


def gettext(message: str, **params: object) -> str:
    """Translate a message into the current language and fill in its %(name)s params."""
    text = catalog(_current.get()).get(message, message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    """Plural-aware translation (Vietnamese has one form)."""
    message = singular if n == 1 else plural
    params.setdefault("num", n)
    return gettext(message, **params)


_ = gettext


def label(table: Mapping[str, str], value: str | None, default: str | None = None) -> str:
    """The translated label of a coded value from a table of msgids: '' for None, and for
    an unknown value `default` (the value itself when not given)."""
    if value is None:
        return ""
    msgid = table.get(value)
    if msgid:
        return gettext(msgid)
    return value if default is None else default


def N_(message: str) -> str:
    """Mark a message for translation without translating it yet."""
    return message


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """Pick the page language: the cookie first, then Accept-Language, else Vietnamese."""
    if cookie in LANGUAGES:
        return cookie  # type: ignore[return-value]
    if accept_language:
        first = accept_language.split(",")[0].strip().lower()[:2]
        if first == "en":
            return "en"
    return DEFAULT_LANGUAGE
