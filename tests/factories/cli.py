"""The `dinhdanh` CLI in tests, as an operator runs it on the embedded SQLite default:
`env` (a fixture: a data directory of the test's own, no database or Redis settings) and
`run`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from dinhdanh.cli import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's environment: its data under `<tmp_path>/var`; returns `tmp_path`."""
    for key in ("DINHDANH_DATABASE_URL", "DINHDANH_REDIS_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DINHDANH_DATA_DIR", str(tmp_path / "var"))
    return tmp_path


def run(*args: str) -> Result:
    """`dinhdanh <args>` in-process."""
    return CliRunner().invoke(app, list(args))


def sqlite(env: Path) -> sqlite3.Connection:
    """The CLI's SQLite database."""
    return sqlite3.connect(env / "var" / "dinhdanh.db")
