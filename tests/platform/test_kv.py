"""The key-value store behaves the same on Redis and in process."""

from __future__ import annotations

import os

import pytest

from dinhdanh.platform.kv import MemoryKV, RedisKV

REDIS = os.environ.get("DINHDANH_TEST_REDIS_URL")


@pytest.fixture(params=["memory", "redis"])
async def store(request):
    if request.param == "memory":
        yield MemoryKV()
        return
    if not REDIS:
        pytest.skip("DINHDANH_TEST_REDIS_URL not set")
    kv = RedisKV(REDIS)
    await kv.redis.flushdb()
    yield kv
    await kv.redis.flushdb()
    await kv.close()


async def test_set_get_delete(store):
    await store.set("a", b"1")
    assert await store.get("a") == b"1"
    await store.delete("a")
    assert await store.get("a") is None


async def test_set_if_absent_only_once(store):
    assert await store.set_if_absent("once", b"x", ttl=60)
    assert not await store.set_if_absent("once", b"y", ttl=60)
    assert await store.get("once") == b"x"


async def test_counter_keeps_its_first_window(store):
    assert await store.incr("c", ttl=100) == 1
    assert await store.incr("c", ttl=5) == 2
    assert 5 < (await store.ttl("c") or 0) <= 100


async def test_sets(store):
    await store.set_add("s", "a", ttl=60)
    await store.set_add("s", "b", ttl=60)
    await store.set_remove("s", "a")
    assert await store.set_members("s") == {"b"}
    assert await store.ping()


async def test_memory_expiry_is_honoured():
    kv = MemoryKV()
    await kv.set("k", b"v", ttl=1)
    kv._data["k"] = (b"v", 0.0)  # the deadline has passed
    assert await kv.get("k") is None


async def test_set_and_incr_stores_and_counts_in_one_call(store):
    assert await store.set_and_incr("v1", b"x", 60, counter="n", counter_ttl=100) == 1
    assert await store.set_and_incr("v2", b"y", 30, counter="n", counter_ttl=5) == 2
    assert await store.get_many("v1", "v2") == [b"x", b"y"]
    assert 0 < (await store.ttl("v2") or 0) <= 30
    assert 5 < (await store.ttl("n") or 0) <= 100  # the counter keeps its first window


async def test_set_and_incr_recovers_from_a_dropped_connection():
    if not REDIS:
        pytest.skip("DINHDANH_TEST_REDIS_URL not set")
    kv, other = RedisKV(REDIS), RedisKV(REDIS)
    try:
        await kv.redis.flushdb()
        assert await kv.set_and_incr("k", b"1", 60, counter="n", counter_ttl=60) == 1
        pool = kv.redis.connection_pool
        conn = await pool.get_connection()
        await conn.send_command("CLIENT", "ID")
        ident = await conn.read_response()
        await pool.release(conn)
        await other.redis.execute_command("CLIENT", "KILL", "ID", ident)  # the pooled one
        assert await kv.set_and_incr("k", b"2", 60, counter="n", counter_ttl=60) == 2
        assert await kv.get("k") == b"2"
    finally:
        await kv.redis.flushdb()
        await kv.close()
        await other.close()
