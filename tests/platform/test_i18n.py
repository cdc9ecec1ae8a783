"""Vietnamese is complete: every message in the code and templates has a translation."""

from __future__ import annotations

from importlib import resources

from babel.messages.extract import extract_from_dir

from dinhdanh.platform import i18n

METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "Problem": None,
    "ValidationProblem": None,
    "NotFound": None,
    "Forbidden": None,
    "Conflict": None,
    "Unauthorized": None,
    "TooManyRequests": None,
    "field_error": (2,),
}


def _messages() -> dict[str, str]:
    root = str(resources.files("dinhdanh"))
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        root,
        method_map=METHODS,
        keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        for msg in message if isinstance(message, tuple) else (message,):
            if msg:
                found.setdefault(msg, f"{filename}:{lineno}")
    return found


def test_every_message_has_a_vietnamese_translation():
    vi = i18n.catalog("vi")
    missing = {m: where for m, where in _messages().items() if m not in vi}
    assert not missing, f"{len(missing)} untranslated: {list(missing.items())[:20]}"


def test_problem_titles_are_translated_for_the_caller():
    assert i18n.gettext("Not found.") == "Không tìm thấy."  # Vietnamese by default
    token = i18n.set_language("en")
    try:
        assert i18n.gettext("Not found.") == "Not found."
    finally:
        i18n._current.reset(token)
