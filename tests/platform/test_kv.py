"""The key-value store behaves the same on Redis and in process."""

from __future__ import annotations

import asyncio
import os

import pytest
from redis.exceptions import ResponseError

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
        [ident] = await kv._batch(("CLIENT", "ID"))  # the connection the batches share
        await other.redis.execute_command("CLIENT", "KILL", "ID", ident)
        assert await kv.set_and_incr("k", b"2", 60, counter="n", counter_ttl=60) == 2
        assert await other.get("k") == b"2"
    finally:
        await other.redis.flushdb()
        await kv.close()
        await other.close()


async def test_concurrent_batches_each_get_their_own_replies():
    if not REDIS:
        pytest.skip("DINHDANH_TEST_REDIS_URL not set")
    kv = RedisKV(REDIS)
    try:
        await kv.redis.flushdb()
        counts = await asyncio.gather(
            *(
                kv.set_and_incr(f"k{i}", b"%d" % i, 60, counter="n", counter_ttl=60)
                for i in range(200)
            )
        )
        assert sorted(counts) == list(range(1, 201))
        assert await kv.get_many("k0", "k199") == [b"0", b"199"]
        # An error reply fails its own batch only, and the connection stays in step.
        await kv.set("text", b"not a number")
        with pytest.raises(ResponseError):
            await kv.set_and_incr("k", b"x", 60, counter="text", counter_ttl=60)
        assert await kv.set_and_incr("k", b"y", 60, counter="n", counter_ttl=60) == 201
    finally:
        await kv.redis.flushdb()
        await kv.close()


async def test_a_silent_server_times_out_and_the_next_batch_reconnects():
    async def answer_only_the_handshake(reader, writer):
        while data := await reader.read(65536):
            if b"CLIENT" in data or b"HELLO" in data or b"SELECT" in data:
                writer.write(b"+OK\r\n" * data.count(b"*"))
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_only_the_handshake, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    kv = RedisKV(f"redis://127.0.0.1:{port}/0?socket_timeout=0.2")
    try:
        for _ in range(2):
            with pytest.raises(TimeoutError):
                await kv.set_and_incr("k", b"v", 60, counter="n", counter_ttl=60)
    finally:
        await kv.close()
        server.close()
        await server.wait_closed()
