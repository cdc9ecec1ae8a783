"""Every registry message, including field-rule messages, has a Vietnamese translation."""

from __future__ import annotations

from importlib import resources

from babel.messages.extract import extract_from_dir

from dinhdanh.platform import i18n

KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ValidationProblem": None,
    "NotFound": None,
    "Conflict": None,
    "field_error": (2,),
    "RuleError": None,
    "add": (2,),
    "error": (3,),
    "_report_lines": (5,),
}


def _population_messages() -> set[str]:
    root = resources.files("dinhdanh")
    found: set[str] = set()
    for folder, pattern, method in (
        ("population", "**.py", "python"),
        ("templates/population", "**.html", "jinja2"),
    ):
        for _f, _l, message, _c, _ctx in extract_from_dir(
            str(root / folder),
            method_map=[(pattern, method)],
            keywords=KEYWORDS,
            options_map={pattern: {"extensions": "jinja2.ext.i18n"}},
        ):
            found.update(m for m in (message if isinstance(message, tuple) else (message,)) if m)
    return found


def test_every_registry_message_is_translated():
    vi = i18n.catalog("vi")
    missing = sorted(m for m in _population_messages() if m not in vi and m != "message")
    assert not missing


def test_placeholders_survive_translation():
    vi = i18n.catalog("vi")
    for msgid in _population_messages():
        if msgid in vi:
            for param in ("%(n)s", "%(code)s", "%(name)s", "%(year)s", "%(max)s", "%(why)s"):
                assert (param in msgid) == (param in vi[msgid]), msgid
