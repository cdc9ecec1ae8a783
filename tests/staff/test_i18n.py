"""Every message of the staff pages and services has a Vietnamese translation."""

from __future__ import annotations

from importlib import resources

import pytest
from babel.messages.extract import extract_python
from jinja2.ext import babel_extract

from dinhdanh.platform import i18n
from tests.factories.staff import sign_in

KEYWORDS = {"_": None, "gettext": None, "N_": None, "field_error": (2,)}


def _text(message: str | tuple | None) -> str | None:
    """The msgid of an extracted message (None when the argument is not a literal)."""
    if isinstance(message, tuple):
        message = message[-1]
    return message or None


def _messages() -> set[str | None]:
    found: set[str | None] = set()
    templates = resources.files("dinhdanh") / "templates" / "staff"
    for template in templates.iterdir():
        with template.open("rb") as fh:
            found.update(_text(m) for _, _, m, _ in babel_extract(fh, ["_"], [], {}))
    for module in (resources.files("dinhdanh") / "staff").iterdir():
        if module.name.endswith(".py"):
            with module.open("rb") as fh:
                found.update(_text(m) for _, _, m, _ in extract_python(fh, KEYWORDS, [], {}))
    found.discard(None)
    return found


def test_every_staff_message_is_translated():
    messages = _messages()
    assert len(messages) > 100
    vietnamese = i18n.catalog("vi")
    assert sorted(m for m in messages if m not in vietnamese) == []


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_sign_in_page_speaks_the_chosen_language(client, lang):
    client.cookies.set("dd_lang", lang)
    page = await client.get("/login")
    expected = {"vi": "Đăng nhập cán bộ", "en": "Officer sign-in"}[lang]
    assert expected in page.text


async def test_sign_in_failure_is_translated(client, officer_login):
    response = await client.post("/login", data={"username": "canbo", "password": "x" * 12})
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert (await sign_in(client, officer_login)).status_code == 303
