"""Every message of the citizen's OpenID pages (sign-in at a service, consent, level,
logout, connected services) and of the claims catalogue has a Vietnamese translation,
and the consent page speaks Vietnamese by default."""

from __future__ import annotations

import ast
from importlib import resources

from jinja2.ext import babel_extract

from dinhdanh.platform import i18n
from tests.factories.accounts import create_holder
from tests.factories.partners import create_relying_party
from tests.oidc.front_channel import Flow, to_consent_page

MODULES = (
    "authorize",
    "browser",
    "claims",
    "codes",
    "consent_view",
    "consents",
    "logout",
    "pages",
    "par",
    "services_api",
    "services_pages",
)


def _python_messages(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if getattr(node.func, "id", getattr(node.func, "attr", "")) not in {"_", "gettext", "N_"}:
            continue
        if node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value:
            found.add(node.args[0].value)
    return found


def _messages() -> set[str]:
    root = resources.files("dinhdanh")
    found: set[str] = set()
    for template in (root / "templates" / "oidc").iterdir():
        with template.open("rb") as fh:
            for _, _, message, _ in babel_extract(fh, ["_"], [], {}):
                # A call with keyword parameters comes as (msgid, None).
                text = message[0] if isinstance(message, tuple) else message
                if text:
                    found.add(text)
    for name in MODULES:
        found |= _python_messages((root / "oidc" / f"{name}.py").read_text(encoding="utf-8"))
    return found


def test_every_front_channel_message_is_translated():
    messages = _messages()
    assert len(messages) > 80
    assert "Share your data with %(service)s?" in messages
    vietnamese = i18n.catalog("vi")
    assert sorted(m for m in messages if m not in vietnamese) == []


async def test_the_consent_page_speaks_vietnamese_by_default(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    page = await to_consent_page(client, Flow(rp), holder)
    for text in (
        "Chia sẻ dữ liệu của bạn với Đăng ký tạm trú?",
        "Bắt buộc",
        "Số định danh cá nhân",
    ):
        assert text in page.text
