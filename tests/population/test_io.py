"""CSV import and export: round trip, bad files, line-numbered errors, dry runs."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.population import io
from dinhdanh.population.csv_rows import COLUMNS
from dinhdanh.population.demo import generate_rows
from dinhdanh.population.models import Citizen, Household
from tests.factories.population import HOME, create_family

SYSTEM = Principal.system("test")


def _write(path: Path, rows: list[dict[str, str]], columns=COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


async def _count(db, model) -> int:
    async with db.unit_of_work() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def _import(db, path: Path, *, dry_run: bool = False, max_bytes: int = 10**8):
    return await io.import_csv(db, path, dry_run=dry_run, principal=SYSTEM, max_bytes=max_bytes)


async def test_demo_rows_import_and_export_round_trip(db, tmp_path):
    rows = list(generate_rows(citizens=60, seed=7))
    report = await _import(db, _write(tmp_path / "in.csv", rows))
    assert report.errors == []
    assert report.imported == 60
    assert await _count(db, Citizen) == 60
    assert await _count(db, Household) == len({r["household_number"] for r in rows})
    out = tmp_path / "out.csv"
    assert await io.export_csv(db, out, scope=Scope.everything()) == 60
    with out.open(encoding="utf-8") as fh:
        exported = sorted(csv.DictReader(fh), key=lambda r: r["personal_id"])
    assert exported == sorted(rows, key=lambda r: r["personal_id"])
    async with db.unit_of_work() as s:
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "population.imported"))
        assert event.data["rows"] == 60


async def test_dry_run_validates_and_writes_nothing(db, tmp_path):
    rows = list(generate_rows(citizens=20, seed=3))
    report = await _import(db, _write(tmp_path / "in.csv", rows), dry_run=True)
    assert report.ok and report.rows_ok == 20 and report.imported == 0
    assert await _count(db, Citizen) == 0
    assert await _count(db, Household) == 0


async def test_bad_rows_are_reported_by_line_and_nothing_is_written(db, tmp_path):
    rows = list(generate_rows(citizens=12, seed=5))
    for r in rows:  # keep the rows independent of each other
        r.update(father_personal_id="", mother_personal_id="", spouse_personal_id="")
    rows[1]["personal_id"] = "12345"
    rows[2]["birth_date"] = "2001-02-30"
    rows[3]["permanent_commune_code"] = "99999"
    rows[4]["given_name"] = "<script>alert(1)</script>"
    rows[5]["sex"] = "F" if rows[5]["sex"] == "M" else "M"
    rows[6]["birth_date"] = "2999-01-01"
    rows[7]["family_name"] = "x'; DROP TABLE citizens; --"
    report = await _import(db, _write(tmp_path / "in.csv", rows))
    found = {(line, field) for line, field, _msg in report.errors}
    assert (3, "personal_id") in found
    assert (4, "birth_date") in found
    assert (5, "permanent_commune_code") in found
    assert (6, "given_name") in found
    assert (7, "personal_id") in found  # sex does not match the century/sex digit
    assert (8, "birth_date") in found
    assert (9, "family_name") in found
    assert report.imported == 0
    assert await _count(db, Citizen) == 0


async def test_duplicates_in_file_and_registry(db, tmp_path):
    family = await create_family(db)
    rows = list(generate_rows(citizens=6, seed=9))
    for r in rows:
        r.update(father_personal_id="", mother_personal_id="", spouse_personal_id="")
    rows[3]["personal_id"] = rows[1]["personal_id"]
    rows[3]["birth_date"], rows[3]["sex"] = rows[1]["birth_date"], rows[1]["sex"]
    rows[4]["personal_id"] = family["father"].personal_id
    rows[4]["birth_date"], rows[4]["sex"] = "1980-03-02", "M"
    report = await _import(db, _write(tmp_path / "in.csv", rows))
    found = {(line, field) for line, field, _msg in report.errors}
    assert {(3, "personal_id"), (5, "personal_id"), (6, "personal_id")} <= found
    assert await _count(db, Citizen) == 3


async def test_second_head_and_unknown_parent(db, tmp_path):
    family = await create_family(db)
    rows = list(generate_rows(citizens=3, seed=11))
    for r in rows:
        r.update(father_personal_id="", mother_personal_id="", spouse_personal_id="")
    rows[0].update(
        household_number=family["household"].number,
        relation_to_head="head",
        permanent_commune_code=HOME,
    )
    rows[1]["father_personal_id"] = "001080999999"
    report = await _import(db, _write(tmp_path / "in.csv", rows))
    found = {(line, field) for line, field, _msg in report.errors}
    assert (2, "relation_to_head") in found
    assert (3, "father_personal_id") in found


async def test_a_household_lives_in_one_commune(db, tmp_path):
    family = await create_family(db)
    rows = list(generate_rows(citizens=3, seed=11))
    for r in rows:
        r.update(father_personal_id="", mother_personal_id="", spouse_personal_id="")
    rows[0].update(household_number="HKSPLIT000001", relation_to_head="head")
    rows[1].update(
        household_number="HKSPLIT000001",
        relation_to_head="child",
        permanent_commune_code="00008" if rows[0]["permanent_commune_code"] != "00008" else HOME,
    )
    rows[2].update(
        household_number=family["household"].number,
        relation_to_head="child",
        permanent_commune_code="00008",
    )
    report = await _import(db, _write(tmp_path / "in.csv", rows))
    found = {(line, field) for line, field, _msg in report.errors}
    assert {(2, "permanent_commune_code"), (3, "permanent_commune_code")} <= found
    assert (4, "permanent_commune_code") in found
    assert await _count(db, Citizen) == 3  # the family only: nothing was imported


async def test_missing_columns_not_utf8_and_too_big(db, tmp_path):
    rows = list(generate_rows(citizens=2, seed=1))
    short = _write(tmp_path / "short.csv", rows, columns=[c for c in COLUMNS if c != "sex"])
    report = await _import(db, short)
    assert (1, "sex") in {(line, f) for line, f, _m in report.errors}
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(COLUMNS).encode() + b"\n" + "Lê".encode("latin-1") + b"\n")
    report = await _import(db, latin)
    assert report.errors and report.errors[0][1] == "file"
    assert "UTF-8" in report.errors[0][2]
    big = _write(tmp_path / "big.csv", rows)
    report = await _import(db, big, max_bytes=100)
    assert report.errors[0][:2] == (0, "file")
    assert await _count(db, Citizen) == 0


async def test_export_respects_scope(db, tmp_path):
    await _import(db, _write(tmp_path / "in.csv", list(generate_rows(citizens=80, seed=2))))
    out = tmp_path / "out.csv"
    n = await io.export_csv(db, out, scope=Scope("commune", "01", HOME))
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n and 0 < n < 80
    assert all(
        HOME
        in (r["permanent_commune_code"], r["temporary_commune_code"], r["current_commune_code"])
        for r in rows
    )
