"""`dinhdanh chip-keys` in a terminal, on the embedded SQLite default: create once, rotate
either key, never print a private key; and `serve` creates the keys of a new demo."""

from __future__ import annotations

import sqlite3

import pytest

from dinhdanh import cli
from tests.factories.cli import run


def _keys(env) -> list[tuple[str, bool]]:
    with sqlite3.connect(env / "var" / "dinhdanh.db") as conn:
        rows = conn.execute(
            "SELECT kind, retired_at IS NULL, private_key_enc FROM chip_signing_keys"
            " ORDER BY created_at, kind"
        ).fetchall()
    assert all("PRIVATE KEY" not in enc for _, _, enc in rows)
    return [(kind, bool(current)) for kind, current, _ in rows]


def _events(env) -> dict[str, int]:
    with sqlite3.connect(env / "var" / "dinhdanh.db") as conn:
        rows = conn.execute(
            "SELECT action, count(*) FROM audit_events WHERE subject_type = 'chip_key'"
            " GROUP BY action"
        ).fetchall()
    return dict(rows)


def test_create_once_then_rotate_each_key(env):
    created = run("chip-keys", "create")
    assert created.exit_code == 0, created.output
    assert "csca" in created.output and "ds" in created.output
    assert sorted(_keys(env)) == [("csca", True), ("ds", True)]

    again = run("chip-keys", "create")
    assert again.exit_code == 0
    assert "exist already: nothing was created" in again.output
    assert len(_keys(env)) == 2

    rotated = run("chip-keys", "rotate", "--ds")
    assert rotated.exit_code == 0, rotated.output
    assert sorted(_keys(env)) == [("csca", True), ("ds", False), ("ds", True)]

    rotated = run("chip-keys", "rotate", "--csca")
    assert rotated.exit_code == 0, rotated.output
    assert sorted(_keys(env)) == [
        ("csca", False),
        ("csca", True),
        ("ds", False),
        ("ds", False),
        ("ds", True),
    ]
    assert _events(env) == {"enrollment.chip_key.created": 5, "enrollment.chip_key.retired": 3}

    listed = run("chip-keys", "list")
    assert listed.exit_code == 0
    assert listed.output.count("retired") == 3 and listed.output.count("current") == 2
    for result in (created, rotated, listed):
        assert "PRIVATE KEY" not in result.output


@pytest.mark.parametrize("flags", [(), ("--ds", "--csca")])
def test_rotate_needs_one_key_named(env, flags):
    result = run("chip-keys", "rotate", *flags)
    assert result.exit_code == 2
    assert "--ds or --csca" in result.output


def test_rotate_before_create_says_what_to_run_and_writes_nothing(env):
    result = run("chip-keys", "rotate", "--ds")
    assert result.exit_code == 1
    assert "dinhdanh chip-keys create" in result.output
    assert _keys(env) == []
    assert _events(env) == {}


def test_serve_creates_the_chip_keys_of_a_new_demo(env, monkeypatch):
    monkeypatch.setenv("DINHDANH_DEMO_CITIZENS", "20")
    served = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *args, **kwargs: served.append(args))
    result = run("serve")
    assert result.exit_code == 0, result.output
    assert served  # it went on to serve
    assert sorted(_keys(env)) == [("csca", True), ("ds", True)]
    assert run("serve").exit_code == 0
    assert len(_keys(env)) == 2
