"""Shared fixtures: migrations once per run, each test inside an outer transaction.

PostgreSQL and Redis are used when DINHDANH_TEST_DATABASE_URL / DINHDANH_TEST_REDIS_URL
are set (CI sets them); otherwise SQLite in a temporary directory and the in-process store.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dinhdanh.app import create_app
from dinhdanh.migrations.runner import upgrade
from dinhdanh.platform.db import Database, make_engine
from dinhdanh.platform.kv import KeyValue, MemoryKV, RedisKV
from dinhdanh.settings import Settings

TEST_DB_URL = os.environ.get("DINHDANH_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("DINHDANH_TEST_REDIS_URL")


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Test settings: real argon2 parameters, no demo data, test environment."""
    data_dir = tmp_path_factory.mktemp("var")
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=TEST_DB_URL or f"sqlite+aiosqlite:///{data_dir / 'test.db'}",
        redis_url=TEST_REDIS_URL,
        secret_key="test-secret-key-not-for-production",
        demo=False,
    )


async def reset_database(engine: AsyncEngine) -> None:
    """Start a run from an empty schema (PostgreSQL test database only)."""
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The engine, migrated once per run."""
    eng = make_engine(settings.resolved_database_url)
    await reset_database(eng)
    await upgrade(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[Database]:
    """A Database whose units of work are savepoints of one outer, rolled-back transaction."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        yield Database(engine, bind=conn)
        if outer.is_active:
            await outer.rollback()


@pytest.fixture
async def kv() -> AsyncIterator[KeyValue]:
    """The key-value store, emptied for each test."""
    if TEST_REDIS_URL:
        store = RedisKV(TEST_REDIS_URL)
        await store.redis.flushdb()
        yield store
        await store.redis.flushdb()
        await store.close()
    else:
        yield MemoryKV()


@pytest.fixture
async def app(settings: Settings, db: Database, kv: KeyValue):
    """The ASGI app wired to the per-test database and store."""
    return create_app(settings, db=db, kv=kv)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process, holding a CSRF cookie."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await c.get("/healthz")
        c.headers["X-CSRF-Token"] = c.cookies.get("dd_csrf", "")
        yield c


@pytest.fixture
async def live_db(tmp_path) -> AsyncIterator[Database]:
    """A migrated database whose units of work really commit and overlap: a schema of its
    own on PostgreSQL (dropped afterwards), a file of its own on SQLite."""
    if TEST_DB_URL:
        schema = f"live_{secrets.token_hex(4)}"
        admin = make_engine(TEST_DB_URL)
        async with admin.begin() as conn:
            await conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine = make_engine(TEST_DB_URL, connect_args={"server_settings": {"search_path": schema}})
    else:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'race.db'}")
    await upgrade(engine)
    try:
        yield Database(engine)
    finally:
        await engine.dispose()
        if TEST_DB_URL:
            async with admin.begin() as conn:
                await conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            await admin.dispose()
