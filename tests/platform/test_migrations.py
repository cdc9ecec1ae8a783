"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dinhdanh.models import metadata


def _diff(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


async def test_migrated_schema_matches_the_models(engine):
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == []


async def test_reference_data_is_loaded(engine):
    async with engine.connect() as conn:
        counts = {
            table: (await conn.exec_driver_sql(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("provinces", "legacy_provinces", "communes", "ethnicities", "religions")
        }
        units = (
            await conn.exec_driver_sql("SELECT level, count(*) FROM units GROUP BY level")
        ).all()
    assert counts == {
        "provinces": 34,
        "legacy_provinces": 63,
        "communes": 3321,
        "ethnicities": 54,
        "religions": 14,
    }
    assert dict(units) == {"ministry": 1, "province": 34, "card_office": 34, "commune": 3321}
