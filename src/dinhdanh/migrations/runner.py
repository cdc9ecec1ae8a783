"""Run the Alembic migrations on an async engine (CLI, start-up and tests)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


def alembic_config() -> Config:
    """The Alembic configuration pointing at this package's scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("dinhdanh") / "migrations"))
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database to `revision` in one transaction."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
