"""The `dinhdanh` CLI in a terminal: migrate, demo, import/export, staff, audit verify.

Runs against its own SQLite data directory (the embedded default), as an operator would."""

from __future__ import annotations

import sqlite3

import pytest

from tests.factories.cli import run, sqlite


def test_demo_same_seed_same_people_and_export_import_round_trip(env, tmp_path):
    assert run("demo", "--citizens", "300", "--seed", "5").exit_code == 0
    first = sqlite(env).execute("SELECT personal_id FROM citizens ORDER BY personal_id").fetchall()
    out = tmp_path / "people.csv"
    result = run("population", "export", str(out))
    assert result.exit_code == 0 and "300" in result.output
    (env / "var" / "dinhdanh.db").unlink()
    assert run("migrate").exit_code == 0
    result = run("population", "import", str(out))
    assert result.exit_code == 0, result.output
    again = sqlite(env).execute("SELECT personal_id FROM citizens ORDER BY personal_id").fetchall()
    assert again == first and len(first) == 300


def test_import_reports_bad_lines_and_writes_nothing(env, tmp_path):
    assert run("demo", "--citizens", "50", "--seed", "1").exit_code == 0
    good = tmp_path / "good.csv"
    assert run("population", "export", str(good)).exit_code == 0
    lines = good.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("personal_id")] = "12345"
    row[header.index("given_name")] = "<script>"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
    (env / "var" / "dinhdanh.db").unlink()
    assert run("migrate").exit_code == 0
    result = run("population", "import", str(bad))
    assert result.exit_code == 1
    assert "line 2: personal_id" in result.output
    assert "line 2: given_name" in result.output
    assert sqlite(env).execute("SELECT count(*) FROM citizens").fetchone() == (0,)


def test_import_refuses_a_file_that_is_not_utf8(env, tmp_path):
    assert run("migrate").exit_code == 0
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("personal_id,family_name\n001090000001,Nguy\xean\n".encode("latin-1"))
    result = run("population", "import", str(bad), "--dry-run")
    assert result.exit_code == 1
    assert "UTF-8" in result.output


def test_audit_verify_names_the_first_broken_link(env):
    assert run("demo", "--citizens", "20", "--seed", "2").exit_code == 0
    result = run(
        "staff",
        "create",
        "--username",
        "lan.nt",
        "--full-name",
        "Nguyễn Thị Lan",
        "--email",
        "lan@example.vn",
        "--role",
        "officer",
        "--unit",
        "CAX-00004",
    )
    assert result.exit_code == 0, result.output
    ok = run("audit", "verify")
    assert ok.exit_code == 0 and "intact" in ok.output
    with sqlite(env) as conn:
        first = conn.execute("SELECT min(id) FROM audit_events").fetchone()[0]
        with pytest.raises(sqlite3.IntegrityError, match="cannot change"):
            conn.execute("UPDATE audit_events SET action = 'forged' WHERE id = ?", (first,))
        # an owner who drops the guards is still caught by the hash chain
        conn.execute("DROP TRIGGER audit_events_append_only")
        conn.execute("UPDATE audit_events SET action = 'forged' WHERE id = ?", (first,))
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert f"#{first}" in broken.output
