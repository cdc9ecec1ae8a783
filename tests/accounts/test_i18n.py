"""Every message of the accounts pages and services has a Vietnamese translation."""

from __future__ import annotations

import ast
from importlib import resources

import pytest
from jinja2.ext import babel_extract

from dinhdanh.platform import i18n

CALLS = {"_", "gettext", "N_"}


def _python_messages(source: str) -> set[str]:
    """Literal first arguments of _(), gettext(), N_() and the message of field_error(),
    with or without keyword parameters (Babel's extractor skips those)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        index = 1 if name == "field_error" else 0 if name in CALLS else None
        if index is None or len(node.args) <= index:
            continue
        arg = node.args[index]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
            found.add(arg.value)
    return found


def _messages() -> set[str]:
    root = resources.files("dinhdanh")
    found: set[str] = set()
    for template in (root / "templates" / "accounts").iterdir():
        with template.open("rb") as fh:
            for _, _, message, _ in babel_extract(fh, ["_"], [], {}):
                text = message[-1] if isinstance(message, tuple) else message
                if text:
                    found.add(text)
    for module in (root / "accounts").iterdir():
        if module.name.endswith(".py"):
            found |= _python_messages(module.read_text(encoding="utf-8"))
    return found


def test_every_account_message_is_translated():
    messages = _messages()
    assert len(messages) > 150
    vietnamese = i18n.catalog("vi")
    assert sorted(m for m in messages if m not in vietnamese) == []


def test_keyword_messages_are_found():
    found = _python_messages('gettext("a %(x)s" " b", x=1)\nfield_error("f", N_("c"))')
    assert found == {"a %(x)s b", "c"}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("vi", "Đăng nhập tài khoản định danh điện tử"), ("en", "Sign in to your e-ID account")],
)
async def test_citizen_sign_in_page_speaks_the_chosen_language(client, lang, expected):
    client.cookies.set("dd_lang", lang)
    page = await client.get("/me/login")
    assert expected in page.text
