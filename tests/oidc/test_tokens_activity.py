"""What the token side writes to the citizen's activity log reads well in Vietnamese and
English: a service's ended access says which service and why; every message of the token
side's modules is translated."""

from __future__ import annotations

import ast
from importlib import resources

from sqlalchemy import select

from dinhdanh.accounts.activity import entry_of
from dinhdanh.accounts.models import Account
from dinhdanh.platform import i18n
from dinhdanh.platform.audit import AuditEvent
from tests.oidc.conftest import basic, sign_in_tokens

MODULES = (
    "access_tokens",
    "api",
    "client_auth",
    "code_grant",
    "discovery",
    "grants",
    "introspection",
    "issuance",
    "keys",
    "oauth_errors",
    "params",
    "refresh",
    "release",
    "subject",
    "tokens",
)


def _marked_messages(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) in {"_", "gettext", "N_"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
    return found


def test_every_token_side_message_is_translated():
    root = resources.files("dinhdanh") / "oidc"
    messages: set[str] = set()
    for name in MODULES:
        messages |= _marked_messages((root / f"{name}.py").read_text(encoding="utf-8"))
    assert len(messages) >= 4
    vietnamese = i18n.catalog("vi")
    assert sorted(m for m in messages if m not in vietnamese) == []


async def test_a_reused_refresh_token_is_explained_in_the_activity_log(
    db, app, client, oidc_client, holder
):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    await client.post("/oidc/token", data=form, headers=basic(oidc_client))
    await client.post("/oidc/token", data=form, headers=basic(oidc_client))
    async with db.unit_of_work() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "oidc.tokens_revoked")
        )
        account = await session.get(Account, holder.account_id)
    assert event is not None and account is not None
    token = i18n.set_language("vi")
    try:
        line = entry_of(event, account)
    finally:
        i18n._current.reset(token)
    assert line.details == (
        "Đăng ký tạm trú · một mã gia hạn bị dùng hai lần nên quyền truy cập "
        "đã được chấm dứt để bảo đảm an toàn"
    )
    token = i18n.set_language("en")
    try:
        line = entry_of(event, account)
    finally:
        i18n._current.reset(token)
    assert line.details == (
        "Đăng ký tạm trú · a renewal token was used twice, so the access was ended for safety"
    )
    assert line.who == "A connected service"
