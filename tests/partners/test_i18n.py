"""Every message of the partner pages and services has a Vietnamese translation."""

from __future__ import annotations

from importlib import resources

from babel.messages.extract import extract
from jinja2.ext import babel_extract

from dinhdanh.platform import i18n

KEYWORDS = {
    "_": None,
    "gettext": None,
    "N_": None,
    "field_error": (2,),
    "Problem": None,
    "Conflict": None,
    "ValidationProblem": None,
}


def _messages() -> set[str]:
    """The msgids of the partner templates and modules (babel applies each keyword's
    argument spec: only literal messages count)."""
    found: set[str] = set()
    root = resources.files("dinhdanh")
    sources = [(babel_extract, t) for t in (root / "templates" / "partners").iterdir()]
    sources += [("python", m) for m in (root / "partners").iterdir() if m.name.endswith(".py")]
    for method, source in sources:
        with source.open("rb") as fh:
            for _, message, _, _ in extract(method, fh, keywords=KEYWORDS):
                for msgid in message if isinstance(message, tuple) else (message,):
                    if msgid:
                        found.add(msgid)
    return found


def test_every_partner_message_is_translated():
    messages = _messages()
    assert len(messages) > 80
    vietnamese = i18n.catalog("vi")
    assert sorted(m for m in messages if m not in vietnamese) == []
