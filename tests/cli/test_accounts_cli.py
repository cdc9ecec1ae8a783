"""`dinhdanh accounts create` in a terminal: the initial password goes by SMS, never to the
screen; bad input is named and nothing is written."""

from __future__ import annotations

import re

from tests.factories.cli import run, sqlite


def _living_citizen(env) -> str:
    with sqlite(env) as conn:
        return conn.execute(
            "SELECT personal_id FROM citizens WHERE status = 'living' ORDER BY personal_id LIMIT 1"
        ).fetchone()[0]


def test_create_sends_the_initial_password_by_sms_and_never_prints_it(env):
    assert run("demo", "--citizens", "20", "--seed", "3").exit_code == 0
    pid = _living_citizen(env)
    result = run(
        "accounts", "create", "--personal-id", pid, "--phone", "0912 345 678", "--level", "1"
    )
    assert result.exit_code == 0, result.output
    assert f"{pid[:3]}******{pid[-3:]}" in result.output
    assert "0912***678" in result.output
    assert pid not in result.output and "0912345678" not in result.output
    with sqlite(env) as conn:
        level, status, phone = conn.execute(
            "SELECT level, status, phone FROM accounts WHERE personal_id = ?", (pid,)
        ).fetchone()
        (body,) = conn.execute(
            "SELECT body FROM outbox_messages WHERE channel = 'sms' AND recipient = ?", (phone,)
        ).fetchone()
    assert (level, status, phone) == (1, "pending", "0912345678")
    password = re.search(r"\b([A-Za-z2-9]{12})\b", body).group(1)
    assert password not in result.output

    again = run("accounts", "create", "--personal-id", pid, "--phone", "0912345678")
    assert again.exit_code == 1
    assert "already has an account" in again.output or "đã có tài khoản" in again.output


def test_bad_input_is_named_and_nothing_is_written(env):
    assert run("demo", "--citizens", "5", "--seed", "4").exit_code == 0
    pid = _living_citizen(env)
    result = run("accounts", "create", "--personal-id", pid, "--phone", "12345", "--level", "3")
    assert result.exit_code == 1
    assert "phone:" in result.output and "level:" in result.output
    unknown = run("accounts", "create", "--personal-id", "001090999999", "--phone", "0912345678")
    assert unknown.exit_code == 1
    with sqlite(env) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM outbox_messages").fetchone() == (0,)
