"""`population import` and `population export`: the registry as CSV (docs/population-csv.md).

Import streams the file row by row (memory stays flat however large it is): each row is
checked in Python by `csv_rows.RowValidator` (line-numbered errors; every rule cached by
value, so a row costs look-ups, not rule evaluations), then loaded into a temporary
staging table - on PostgreSQL by one COPY fed from a generator, so that the server
stores rows on one core while Python checks the next ones on the other; on SQLite by
batched inserts. The checks that need every row (personal IDs repeated in the file or
already in the registry, links to parents and spouses, one head per household) run as
set-based queries on the staging table, and the citizens and their households are
written by two INSERT ... SELECT statements (see `_write_staged` for the foreign-key
triggers). The import is all-or-nothing: one transaction, and any error anywhere means
nothing is written. `dry_run` does the same work and always rolls back.

The rules stay in Python, stated once: re-stating them as SQL (the name rule alone is
about Unicode categories) would make a second copy to keep in step. Measured at
1,000,000 rows (bench/population_import.py) the time is now mostly PostgreSQL's own:
the final INSERT into `citizens` maintains ten indexes row by row.
"""

from __future__ import annotations

import asyncio
import csv
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, Final, TextIO

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    exists,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from dinhdanh.platform import audit, clock
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.db import Database
from dinhdanh.population.csv_rows import (
    COLUMNS,
    LINKS,
    MAX_ERRORS,
    REQUIRED,
    STAGE_FIELDS,
    ImportReport,
    RowValidator,
    csv_row,
)
from dinhdanh.population.models import citizens, households
from dinhdanh.population.scope import visible

BATCH: Final = 5000

_staging_meta = MetaData()
staging = Table(
    "population_import_rows",
    _staging_meta,
    Column("line", Integer),
    Column("id", Uuid),
    Column("household_new_id", Uuid),
    *(
        Column(name, citizens.c[name].type if name in citizens.c else String(20))
        for name in STAGE_FIELDS[1:]
    ),
    prefixes=["TEMPORARY"],
)
# What Python sends per row: the validated record, then the new household's id.
_COPY_COLUMNS: Final = [*STAGE_FIELDS, "household_new_id"]


def _rows(path: Path, report: ImportReport) -> Iterator[tuple[int, list[str]]]:
    """Yield (1, header), then (line, fields) of each row; report a bad header or encoding
    and stop."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader, [])]
            missing = sorted(REQUIRED - set(header))
            unknown = sorted(set(header) - set(COLUMNS))
            if missing or unknown or len(set(header)) != len(header):
                for name in missing:
                    report.error(1, name, "The column %(name)s is missing.", name=name)
                for name in unknown:
                    report.error(1, name[:40], "Unknown column %(name)s.", name=name[:40])
                if len(set(header)) != len(header):
                    report.error(1, "header", "A column appears twice in the header.")
                return
            yield 1, header
            width = len(header)
            for values in reader:
                if len(values) != width:
                    report.error(
                        reader.line_num, "row", "The row has %(n)s fields, not %(m)s.",
                        n=len(values), m=width,
                    )  # fmt: skip
                    continue
                yield reader.line_num, values
        except UnicodeDecodeError:
            report.error(reader.line_num + 1, "file", "The file is not UTF-8 text.")
        except csv.Error as exc:
            report.error(reader.line_num, "file", "The CSV is malformed: %(why)s", why=str(exc))


def _records(
    path: Path, report: ImportReport, progress: Callable[[int], None] | None
) -> Iterator[tuple[Any, ...]]:
    """Validate the file row by row; yield the staging record of each good row.

    Once any error is found, rows are still checked (every error is reported) but no
    longer yielded: nothing will be written.
    """
    rows = _rows(path, report)
    _line, header = next(rows, (1, []))
    validator = RowValidator(header)
    nonce = uuid.uuid4()  # new households get ids derived from their number and this import
    number, household_id = None, None
    for line, raw in rows:
        report.rows_read += 1
        if progress and report.rows_read % BATCH == 0:
            progress(report.rows_read)
        record = validator.validate(raw, line, report)
        if record is None:
            continue
        report.rows_ok += 1
        if not report.ok:
            continue
        if record[_HOUSEHOLD] != number:  # a household's members usually come together
            number = record[_HOUSEHOLD]
            household_id = uuid.uuid5(nonce, number) if number else None
        yield (*record, household_id)
    if progress:
        progress(report.rows_read)


_HOUSEHOLD: Final = STAGE_FIELDS.index("household_number")


async def _stage(
    conn: AsyncConnection,
    path: Path,
    report: ImportReport,
    progress: Callable[[int], None] | None,
) -> None:
    """Load the validated rows into the staging table.

    PostgreSQL: one COPY fed by a generator, so Python validates the next rows while the
    server stores the previous ones (the two cores work at once). SQLite: batched inserts.
    """
    await conn.execute(text(f"DROP TABLE IF EXISTS {staging.name}"))
    await conn.run_sync(staging.create)
    rows = _records(path, report, progress)
    if conn.dialect.name == "postgresql":
        # The server draws the ids while it copies: one Python call less per row.
        await conn.execute(
            text(f"ALTER TABLE {staging.name} ALTER COLUMN id SET DEFAULT gen_random_uuid()")
        )
        raw = await conn.get_raw_connection()

        async def feed() -> AsyncIterator[tuple[Any, ...]]:
            for count, record in enumerate(rows, 1):
                yield record
                if count % BATCH == 0:
                    await asyncio.sleep(0)  # let the driver send what it has

        await raw.driver_connection.copy_records_to_table(
            staging.name, records=feed(), columns=_COPY_COLUMNS
        )
        return
    batch: list[dict[str, Any]] = []
    for record in rows:
        batch.append({"id": uuid.uuid4(), **dict(zip(_COPY_COLUMNS, record, strict=True))})
        if len(batch) >= BATCH:
            await conn.execute(insert(staging), batch)
            batch = []
    if batch:
        await conn.execute(insert(staging), batch)


async def _report_lines(
    conn: AsyncConnection, report: ImportReport, stmt: Any, column: str, message: str
) -> None:
    """Report every staging line the query returns (capped), ordered by line."""
    rows = await conn.execute(stmt.order_by(staging.c.line).limit(MAX_ERRORS))
    for (line,) in rows:
        report.error(line, column, message)


async def _check_staged(conn: AsyncConnection, report: ImportReport) -> None:
    """The checks that need every row: repeats, the registry, links, one head per household."""
    s = staging.c
    await conn.execute(text(f"CREATE INDEX ix_import_pid ON {staging.name} (personal_id)"))
    await conn.execute(text(f"CREATE INDEX ix_import_hh ON {staging.name} (household_number)"))
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"ANALYZE {staging.name}"))
    repeated = select(s.personal_id).group_by(s.personal_id).having(func.count() > 1)
    await _report_lines(
        conn,
        report,
        select(s.line).where(s.personal_id.in_(repeated)),
        "personal_id",
        "This personal ID appears more than once in the file.",
    )
    await _report_lines(
        conn,
        report,
        select(s.line).where(exists().where(citizens.c.personal_id == s.personal_id)),
        "personal_id",
        "This personal ID is already in the registry.",
    )
    other = staging.alias("other")
    for stage, column, _sex in LINKS:
        link = s[stage]
        await _report_lines(
            conn,
            report,
            select(s.line).where(
                link.is_not(None),
                ~exists().where(other.c.personal_id == link),
                ~exists().where(citizens.c.personal_id == link),
            ),
            column,
            "No citizen with this personal ID in the file or the registry.",
        )
    heads = (
        select(s.household_number)
        .where(s.relation_to_head == "head")
        .group_by(s.household_number)
        .having(func.count() > 1)
    )
    await _report_lines(
        conn,
        report,
        select(s.line).where(s.relation_to_head == "head", s.household_number.in_(heads)),
        "relation_to_head",
        "This household already has a head.",
    )
    await _report_lines(
        conn,
        report,
        select(s.line)
        .join(households, households.c.number == s.household_number)
        .where(
            s.relation_to_head == "head",
            exists().where(
                citizens.c.household_id == households.c.id, citizens.c.relation_to_head == "head"
            ),
        ),
        "relation_to_head",
        "This household already has a head.",
    )
    # A household lives at one place: its members' permanent residence is its commune.
    split = (
        select(s.household_number)
        .where(s.household_number.is_not(None))
        .group_by(s.household_number)
        .having(func.count(s.permanent_commune_code.distinct()) > 1)
    )
    await _report_lines(
        conn,
        report,
        select(s.line).where(s.household_number.in_(split)),
        "permanent_commune_code",
        "Members of this household are registered in different communes.",
    )
    await _report_lines(
        conn,
        report,
        select(s.line)
        .join(households, households.c.number == s.household_number)
        .where(households.c.commune_code != s.permanent_commune_code),
        "permanent_commune_code",
        "This household is registered in another commune.",
    )


async def _write_staged(conn: AsyncConnection) -> int:
    """Create the new households, then every citizen with its links, in two statements.

    Most of an import's time goes here, into the registry's indexes and, row by row, its
    foreign-key triggers (10 per citizen, about half the cost). They stay on: skipping them
    (`session_replication_role = replica`) measured about twice as fast but needs a
    superuser and would make the database trust this code's checks instead of its own.
    """
    s = staging.c
    now = clock.now()
    await conn.execute(
        insert(households).from_select(
            ["id", "number", "commune_code", "address", "created_at", "updated_at"],
            select(
                s.household_new_id,
                s.household_number,
                func.min(s.permanent_commune_code),
                func.min(s.permanent_address),
                literal(now, households.c.created_at.type),
                literal(now, households.c.updated_at.type),
            )
            .where(
                s.household_number.is_not(None),
                ~exists().where(households.c.number == s.household_number),
            )
            .group_by(s.household_new_id, s.household_number),
        )
    )
    joins = staging.outerjoin(households, households.c.number == s.household_number)
    linked = {}
    for stage, _column, _sex in LINKS:
        in_file, in_db = staging.alias(f"f_{stage}"), citizens.alias(f"c_{stage}")
        joins = joins.outerjoin(in_file, in_file.c.personal_id == s[stage])
        joins = joins.outerjoin(in_db, in_db.c.personal_id == s[stage])
        linked[stage.replace("_pid", "_id")] = func.coalesce(in_file.c.id, in_db.c.id)
    plain = [c for c in citizens.columns if c.name in staging.c and c.name != "id"]
    columns = {
        "id": s.id,
        **{c.name: s[c.name] for c in plain},
        "household_id": households.c.id,
        **linked,
        "version": literal(1),
        "created_at": literal(now, citizens.c.created_at.type),
        "updated_at": literal(now, citizens.c.updated_at.type),
    }
    result = await conn.execute(
        insert(citizens).from_select(list(columns), select(*columns.values()).select_from(joins))
    )
    return result.rowcount


async def import_csv(
    db: Database,
    path: Path,
    *,
    dry_run: bool,
    principal: Principal,
    max_bytes: int,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate a CSV file and, unless `dry_run` or any error, import it all in one transaction."""
    report = ImportReport(dry_run=dry_run)
    size = (await asyncio.to_thread(path.stat)).st_size
    if size > max_bytes:
        report.error(0, "file", "The file is larger than %(max)s bytes.", max=max_bytes)
        return report
    async with db.unit_of_work() as session:
        conn = await session.connection()
        await _stage(conn, path, report, progress)
        if report.ok:
            await _check_staged(conn, report)
        if report.ok and not dry_run:
            report.imported = await _write_staged(conn)
            await audit.record(
                session,
                actor=principal,
                action="population.imported",
                subject_type="citizen_import",
                data={"rows": report.imported, "file": path.name[:100]},
            )
        await conn.execute(text(f"DROP TABLE IF EXISTS {staging.name}"))
        if not report.ok or dry_run:
            await session.rollback()
    return report


def _export_query(scope: Scope) -> Any:
    father, mother, spouse = (aliased(citizens, name=n) for n in ("fa", "mo", "sp"))
    return (
        select(
            citizens,
            households.c.number.label("household_number"),
            father.c.personal_id.label("father_pid"),
            mother.c.personal_id.label("mother_pid"),
            spouse.c.personal_id.label("spouse_pid"),
        )
        .select_from(citizens)
        .outerjoin(households, households.c.id == citizens.c.household_id)
        .outerjoin(father, father.c.id == citizens.c.father_id)
        .outerjoin(mother, mother.c.id == citizens.c.mother_id)
        .outerjoin(spouse, spouse.c.id == citizens.c.spouse_id)
        .where(visible(scope))
        .order_by(citizens.c.personal_id)
    )


def _open_for_writing(path: Path) -> TextIO:
    return path.open("w", encoding="utf-8", newline="")


async def export_csv(db: Database, path: Path, *, scope: Scope) -> int:
    """Write the citizens the scope covers to a CSV file (streamed); return how many."""
    count = 0
    async with db.unit_of_work() as session:
        conn = await session.connection()
        rows = await conn.stream(_export_query(scope).execution_options(yield_per=BATCH))
        with _open_for_writing(path) as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            async for row in rows:
                p = row._mapping
                writer.writerow(csv_row(p, p["household_number"] or ""))
                count += 1
    return count
