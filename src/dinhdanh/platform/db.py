"""Database: the async engine, the declarative base and the unit of work."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import fields
from typing import Any, TypeVar

from sqlalchemy import BigInteger, DateTime, Executable, Integer, MetaData, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import greenlet_spawn

from dinhdanh.platform import clock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    """The declarative base every context's tables derive from."""

    metadata = MetaData(naming_convention=NAMING)


def new_uuid() -> uuid.UUID:
    """A random UUID for opaque identifiers."""
    return uuid.uuid4()


class Timestamped:
    """Created/updated columns set from the injectable clock."""

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=lambda: clock.now(), onupdate=lambda: clock.now()
    )


_Row = TypeVar("_Row")


def copy_of(shape: type[_Row], row: Any, **computed: Any) -> _Row:
    """A dataclass `shape` filled from `computed`, and its other fields from the
    same-named attributes of a row."""
    copied = {f.name: getattr(row, f.name) for f in fields(shape) if f.name not in computed}
    return shape(**copied, **computed)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, hide_parameters=True, **kwargs
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # Let SQLAlchemy, not the driver, begin transactions: SAVEPOINTs (the tests'
            # per-test outer transaction) only nest correctly this way.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE: take the write lock at the start. Our units of work read, then
            # write (an audited read inserts its event); a deferred transaction that read
            # before another committed cannot upgrade to a writer and fails at once with
            # "database is locked", whereas BEGIN IMMEDIATE waits (busy timeout) its turn.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # No pre-ping: it costs a round trip on every checkout of the hot paths; connections
    # dropped by the server are recycled instead and a failed request is retried by the caller.
    kwargs.setdefault("pool_recycle", 1800)
    # Statement parameters (names, IDs, addresses) never reach error messages and logs.
    return create_async_engine(url, hide_parameters=True, **kwargs)


# What a service may be handed: the ORM session of a rich write, or the Core connection
# of a hot path; both `execute` Core statements.
Executor = AsyncSession | AsyncConnection


async def core_connection(executor: Executor) -> AsyncConnection:
    """The Core connection behind an executor."""
    return executor if isinstance(executor, AsyncConnection) else await executor.connection()


def _give_back(pooled: Any) -> None:
    """Return a raw pooled connection (through SQLAlchemy's async bridge: the pool may
    talk to the driver); a connection the driver found broken is discarded."""
    if pooled.driver_connection.is_closed():
        pooled.invalidate()
    else:
        pooled.close()


class DriverStatement:
    """A Core statement compiled once for PostgreSQL's driver (asyncpg), to run on the
    connection `Database.driver()` gives: a hot path's one statement without SQLAlchemy's
    execution layer (its cursor and result machinery cost more than the database's own
    work for a point statement). The SQL still comes from the tables' definitions.

    Parameters go to the driver as given, without the column types' bind processing:
    strings, numbers, UUIDs, timezone-aware datetimes. Rows are asyncpg records: JSON
    columns decoded (by the codec SQLAlchemy registers on its connections), UUIDs as
    asyncpg's `uuid.UUID` subclass, timestamps aware in UTC."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: tuple[str, tuple[str, ...]] | None = None

    def args(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The SQL and its positional parameters, for `fetchrow(*args)`."""
        if self._compiled is None:
            compiled = self.statement.compile(dialect=dialect)
            self._compiled = (compiled.string, tuple(compiled.positiontup or ()))
        sql, names = self._compiled
        return (sql, *(params[name] for name in names))


class Database:
    """Owns the engine and hands out units of work (one transaction each)."""

    def __init__(self, engine: AsyncEngine, bind: AsyncConnection | None = None) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._bind = bind
        if bind is not None:
            # Tests: every unit of work runs inside an outer transaction, as savepoints.
            self.sessionmaker = async_sessionmaker(
                bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
        else:
            self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        # The same pool, its connections handed out without a transaction (see autocommit).
        self._autocommit_engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction: commit at the end, roll back on any error."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """One Core connection in one transaction: the lean unit of work of hot paths."""
        if self._bind is not None:
            async with self._bind.begin_nested():
                yield self._bind
            return
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection outside any transaction, for a hot path that runs one
        statement (or several that need not be atomic together): on PostgreSQL each
        statement commits on its own, sparing the BEGIN and COMMIT round trips. SQLite,
        and the tests' outer transaction, get an ordinary unit (`connection()`)."""
        if self._bind is not None or self.dialect != "postgresql":
            async with self.connection() as conn:
                yield conn
            return
        async with self._autocommit_engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def driver(self) -> AsyncIterator[Any]:
        """PostgreSQL only: the driver's (asyncpg's) own connection, taken from the pool
        outside any transaction (each statement commits on its own), for a
        `DriverStatement`. In the tests' outer transaction: the bound connection's, in a
        savepoint."""
        if self.dialect != "postgresql":
            raise RuntimeError("Database.driver() is for PostgreSQL")
        if self._bind is not None:
            async with self._bind.begin_nested():
                yield (await self._bind.get_raw_connection()).driver_connection
            return
        # Checked out of the pool as is: nothing runs through SQLAlchemy on it, so no
        # transaction ever begins (the statements autocommit).
        pooled = await self.engine.raw_connection()
        try:
            yield pooled.driver_connection
        finally:
            await greenlet_spawn(_give_back, pooled)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
