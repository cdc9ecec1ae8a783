"""The key-value store for ephemeral state: Redis, or an in-process backend."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError


class KeyValue(Protocol):
    """Ephemeral state: sessions, codes, challenges, counters."""

    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, *keys: str) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, ttl: int | None = None) -> None: ...

    async def set_indexed(
        self, key: str, value: bytes, ttl: int, *, index: str, member: str, index_ttl: int
    ) -> None: ...

    async def set_if_absent(self, key: str, value: bytes, ttl: int) -> bool: ...

    async def set_and_incr(
        self, key: str, value: bytes, ttl: int, *, counter: str, counter_ttl: int
    ) -> int: ...

    async def delete(self, *keys: str) -> None: ...

    async def incr(self, key: str, ttl: int) -> int: ...

    async def ttl(self, key: str) -> int | None: ...

    async def set_add(self, key: str, member: str, ttl: int | None = None) -> None: ...

    async def set_remove(self, key: str, member: str) -> None: ...

    async def set_members(self, key: str) -> set[str]: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


def _resp(commands: tuple[tuple[bytes | str | int, ...], ...]) -> bytes:
    """Commands in the Redis protocol (RESP arrays of bulk strings; text as UTF-8). Done
    here for the hot batch: redis-py's general encoder costs more than the round trip."""
    out = bytearray()
    for args in commands:
        out += b"*%d\r\n" % len(args)
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out += b"$%d\r\n%b\r\n" % (len(data), data)
    return bytes(out)


class _Link:
    """One Redis connection shared by concurrent batches (the hot path's writes): each
    batch is written whole as it comes and one reader task hands the replies back in
    order, as Redis answers a connection's commands in the order it reads them. Many
    requests' replies then come back in one read, with no connection checked out of a
    pool for each (ioredis works so for every command). Once failed, a link is dropped
    and every batch still waiting on it gets the error."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.loop = asyncio.get_running_loop()
        self.alive = True
        self._waiting: deque[tuple[asyncio.Future[list[Any]], int]] = deque()
        self._reader = self.loop.create_task(self._read())

    def usable(self) -> bool:
        """Alive, and of the running event loop."""
        return self.alive and self.loop is asyncio.get_running_loop()

    async def send(self, packed: bytes, replies: int) -> asyncio.Future[list[Any]]:
        """Write a batch of `replies` commands; the future of its replies.

        The batch is registered and written in one step (no await between them), so the
        order of `_waiting` is the order on the wire. The write goes to the connection's
        stream writer itself: redis-py's `send_packed_command` would reconnect a closed
        connection behind the reader's back."""
        writer = self.conn._writer  # redis-py's stream (see above)
        if writer is None or writer.is_closing() or not self.alive:
            self.fail(RedisConnectionError("the shared connection is closed"))
            raise RedisConnectionError("the shared connection is closed")
        future: asyncio.Future[list[Any]] = self.loop.create_future()
        self._waiting.append((future, replies))
        writer.write(packed)
        try:
            await writer.drain()  # waits only when Redis reads slower than we write
        except OSError as error:
            self.fail(RedisConnectionError(f"writing to Redis: {error}"))
        return future

    async def _read(self) -> None:
        replies: list[Any] = []
        try:
            while True:
                try:
                    reply: Any = await self.conn.read_response(timeout=math.inf)
                except ResponseError as error:  # an error reply: the stream stays in step
                    reply = error
                if not self._waiting:
                    raise RedisConnectionError("a reply nobody asked for")
                future, expected = self._waiting[0]
                replies.append(reply)
                if len(replies) == expected:
                    self._waiting.popleft()
                    if not future.done():  # its caller may have given up
                        future.set_result(replies)
                    replies = []
        except Exception as error:
            self.fail(error)
        finally:
            self.fail(RedisConnectionError("connection closed"))
            await self.conn.disconnect(nowait=True)

    def fail(self, error: Exception) -> None:
        """Give the connection up: every batch still waiting gets `error`, and the reader
        stops (closing the connection)."""
        self.alive = False
        while self._waiting:
            future, _ = self._waiting.popleft()
            if not future.done():
                future.set_exception(error)
        if asyncio.current_task() is not self._reader:
            self._reader.cancel()

    async def close(self) -> None:
        """Stop reading and close the connection."""
        self.fail(RedisConnectionError("connection closed"))
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class _Multiplexer:
    """The shared connection of a RedisKV's hot batches: made from the pool's settings
    (address, database, credentials, TLS, timeouts), opened on first use and again after
    a failure."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self._link: _Link | None = None
        self._lock = asyncio.Lock()

    async def _open(self) -> _Link:
        async with self._lock:
            if self._link is None or not self._link.usable():
                conn = self._pool.make_connection()
                await conn.connect()
                self._link = _Link(conn)
            return self._link

    async def execute(self, packed: bytes, replies: int) -> list[Any]:
        """The replies to a batch of `replies` commands; the first error reply raised.
        Waiting longer than the socket timeout gives the connection up (its state is
        unknown) and raises TimeoutError."""
        link = self._link
        if link is None or not link.usable():
            link = await self._open()
        future = await link.send(packed, replies)
        try:
            async with asyncio.timeout(link.conn.socket_timeout):
                results = await future
        except TimeoutError:
            await link.close()
            raise
        for result in results:
            if isinstance(result, ResponseError):
                raise result
        return results

    async def close(self) -> None:
        """Close the shared connection, if open."""
        if self._link is not None:
            await self._link.close()
            self._link = None


class RedisKV:
    """Redis-backed store (production and CI)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.redis = aioredis.from_url(url)
        self._shared = _Multiplexer(self.redis.connection_pool)

    async def get(self, key: str) -> bytes | None:
        """Return the value or None."""
        return await self.redis.get(key)

    async def get_many(self, *keys: str) -> list[bytes | None]:
        """The values of several keys in one round trip (None for an absent one)."""
        return list(await self.redis.mget(keys))

    async def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        """Store a value, expiring after ttl seconds if given."""
        await self.redis.set(key, value, ex=ttl)

    async def set_indexed(
        self, key: str, value: bytes, ttl: int, *, index: str, member: str, index_ttl: int
    ) -> None:
        """Store a value and add `member` to an index set, in one round trip."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, value, ex=ttl)
            pipe.sadd(index, member)
            pipe.expire(index, index_ttl)
            await pipe.execute()

    async def set_if_absent(self, key: str, value: bytes, ttl: int) -> bool:
        """Store only when the key is free; True when stored."""
        return bool(await self.redis.set(key, value, ex=ttl, nx=True))

    async def set_and_incr(
        self, key: str, value: bytes, ttl: int, *, counter: str, counter_ttl: int
    ) -> int:
        """Store a value (expiring after `ttl` seconds) and increment a counter (whose
        first increment starts its `counter_ttl` window) in one round trip; the count.

        A hot path (each token response): one non-transactional pipeline, packed here and
        sent on the connection the store's batches share (`_Link`), which costs about a
        third of redis-py's Pipeline on a pooled connection. The writes are independent
        (no MULTI)."""
        replies = await self._batch(
            ("SET", key, value, "EX", ttl),
            ("INCR", counter),
            ("EXPIRE", counter, counter_ttl, "NX"),
        )
        return int(replies[1])

    async def _batch(self, *commands: tuple[bytes | str | int, ...]) -> list[Any]:
        """Send `commands` together on the shared connection and read their replies (a
        raw pipeline). When the connection fails, the batch is sent once more on a new
        one, as redis-py retries its own pipelines."""
        packed = _resp(commands)
        try:
            return await self._shared.execute(packed, len(commands))
        except RedisConnectionError:
            return await self._shared.execute(packed, len(commands))

    async def delete(self, *keys: str) -> None:
        """Remove keys."""
        if keys:
            await self.redis.delete(*keys)

    async def incr(self, key: str, ttl: int) -> int:
        """Increment a counter; the first increment starts its ttl window."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, ttl, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def ttl(self, key: str) -> int | None:
        """Seconds left, or None when the key is absent or has no expiry."""
        left = await self.redis.ttl(key)
        return left if left >= 0 else None

    async def set_add(self, key: str, member: str, ttl: int | None = None) -> None:
        """Add a member to a set (and refresh its expiry)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, member)
            if ttl:
                pipe.expire(key, ttl)
            await pipe.execute()

    async def set_remove(self, key: str, member: str) -> None:
        """Remove a member from a set."""
        await self.redis.srem(key, member)

    async def set_members(self, key: str) -> set[str]:
        """All members of a set."""
        return {m.decode() for m in await self.redis.smembers(key)}

    async def ping(self) -> bool:
        """True when Redis answers."""
        return bool(await self.redis.ping())

    async def close(self) -> None:
        """Close the connection pool and the shared connection."""
        await self._shared.close()
        await self.redis.aclose()


class MemoryKV:
    """In-process store for the embedded default (one process only)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[object, float | None]] = {}
        self._lock = asyncio.Lock()

    def _live(self, key: str) -> object | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    @staticmethod
    def _expiry(ttl: int | None) -> float | None:
        return time.monotonic() + ttl if ttl else None

    async def get(self, key: str) -> bytes | None:
        """Return the value or None."""
        value = self._live(key)
        return value if isinstance(value, bytes) else None

    async def get_many(self, *keys: str) -> list[bytes | None]:
        """The values of several keys (None for an absent one)."""
        return [await self.get(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        """Store a value, expiring after ttl seconds if given."""
        self._data[key] = (value, self._expiry(ttl))

    async def set_indexed(
        self, key: str, value: bytes, ttl: int, *, index: str, member: str, index_ttl: int
    ) -> None:
        """Store a value and add `member` to an index set."""
        await self.set(key, value, ttl)
        await self.set_add(index, member, index_ttl)

    async def set_if_absent(self, key: str, value: bytes, ttl: int) -> bool:
        """Store only when the key is free; True when stored."""
        async with self._lock:
            if self._live(key) is not None:
                return False
            self._data[key] = (value, self._expiry(ttl))
            return True

    async def set_and_incr(
        self, key: str, value: bytes, ttl: int, *, counter: str, counter_ttl: int
    ) -> int:
        """Store a value and increment a counter; the count."""
        await self.set(key, value, ttl)
        return await self.incr(counter, counter_ttl)

    async def delete(self, *keys: str) -> None:
        """Remove keys."""
        for key in keys:
            self._data.pop(key, None)

    async def incr(self, key: str, ttl: int) -> int:
        """Increment a counter; the first increment starts its ttl window."""
        async with self._lock:
            current = self._live(key)
            count = int(current) + 1 if isinstance(current, bytes) else 1
            expires = self._data[key][1] if current is not None else self._expiry(ttl)
            self._data[key] = (str(count).encode(), expires)
            return count

    async def ttl(self, key: str) -> int | None:
        """Seconds left, or None when the key is absent or has no expiry."""
        if self._live(key) is None:
            return None
        expires = self._data[key][1]
        return max(0, int(expires - time.monotonic())) if expires is not None else None

    async def set_add(self, key: str, member: str, ttl: int | None = None) -> None:
        """Add a member to a set (and refresh its expiry)."""
        current = self._live(key)
        members = set(current) if isinstance(current, set) else set()
        members.add(member)
        self._data[key] = (members, self._expiry(ttl))

    async def set_remove(self, key: str, member: str) -> None:
        """Remove a member from a set."""
        current = self._live(key)
        if isinstance(current, set):
            current.discard(member)

    async def set_members(self, key: str) -> set[str]:
        """All members of a set."""
        current = self._live(key)
        return set(current) if isinstance(current, set) else set()

    async def ping(self) -> bool:
        """Always answers."""
        return True

    async def close(self) -> None:
        """Nothing to close."""


def make_kv(redis_url: str | None) -> KeyValue:
    """Redis when a URL is set, else the in-process store."""
    return RedisKV(redis_url) if redis_url else MemoryKV()
