"""Benchmark: Redis memory per active citizen web session, after creating 100,000 sessions
the way sign-in creates them. Goal (issue 4): ≤ 1 KB per session (Keycloak: about 5 KB).

    .venv/bin/python bench/session_memory.py [--sessions 100000]

Each session is made by `tools.web_sessions.create(...)` (accounts/service.py make_tools)
with the extra dict `signin.complete()` builds — {"st", "c", "lvl", "ch", "dev", "pl"} —
the device name of a phone's Chrome, a public IPv4 address, for a distinct account id, so
each one also adds its account's index set. Memory is Redis's own `used_memory` (INFO
memory) before and after, on a redis-server of its own that this script starts on a free
port (no persistence) and stops at the end: used_memory counts the whole instance, so no
one else may write to it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import subprocess
import sys
import time
import uuid

from _support import RESULTS, cores
from redis import asyncio as aioredis

from dinhdanh.accounts import service
from dinhdanh.accounts.devices import place_code
from dinhdanh.accounts.signin import OK, Attempt
from dinhdanh.platform.credentials import Totp
from dinhdanh.platform.kv import RedisKV
from dinhdanh.platform.ratelimit import RateLimiter
from dinhdanh.settings import Settings

GOAL_BYTES = 1000  # "1 KB", read strictly (1,000 rather than 1,024)
KEYCLOAK_BYTES = 5000  # Keycloak's sizing guide: about 5 KB per active user session
AGENT = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
BATCH = 50  # sessions created at once (the client pool's connections)


def free_port(preferred: int = 6390) -> int:
    """`preferred` when nothing listens there, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]  # type: ignore[no-any-return]
    raise RuntimeError("no free port")


def start_redis(port: int) -> subprocess.Popen[bytes]:
    """A private redis-server: no RDB snapshots, no AOF, in the foreground."""
    log = (RESULTS / "session-memory-redis.log").open("w")
    proc = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--daemonize", "no"),
        ],
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("redis-server did not start; see bench/results/session-memory-redis.log")


async def used_memory(redis: aioredis.Redis) -> int:
    """INFO memory used_memory, in bytes."""
    return int((await redis.info("memory"))["used_memory"])


def ipv4(n: int) -> str:
    """A public IPv4 address of a Vietnamese network (14.160.0.0/11, VNPT), one per n."""
    return f"14.{160 + (n >> 16) % 32}.{(n >> 8) & 255}.{n & 255}"


async def measure(url: str, sessions: int) -> dict[str, float]:
    """Create `sessions` signed-in web sessions; used_memory before and after."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, redis_url=url, secret_key="bench-" * 8, demo=False
    )
    # One connection measures; the store's pool is closed before the second reading, so
    # client buffers (counted in used_memory) are the same at both.
    meter = aioredis.from_url(url, max_connections=1)
    await meter.flushdb()
    before = await used_memory(meter)
    kv = RedisKV(url)
    tools = service.make_tools(
        settings=settings,
        kv=kv,
        hasher=settings.password_hasher(),
        totp=Totp(kv),
        cipher=settings.field_cipher(),
        limiter=RateLimiter(url),
    )
    device = Attempt(ip=None, agent=AGENT, channel="web").device
    places: dict[str, str] = {}

    async def one(n: int) -> None:
        ip = ipv4(n)
        network = ip.rsplit(".", 2)[0]
        if network not in places:  # one look-up per /16: the data file is local, but slow-ish
            places[network] = place_code(ip)
        # The extra dict of signin.complete(), for the web channel.
        extra = {
            "st": OK,
            "c": str(uuid.uuid4()),
            "lvl": 2,
            "ch": "web",
            "dev": device,
            "pl": places[network],
        }
        await tools.web_sessions.create(str(uuid.uuid4()), ip=ip, extra=extra)

    started = time.perf_counter()
    for start in range(0, sessions, BATCH):
        await asyncio.gather(*(one(n) for n in range(start, min(sessions, start + BATCH))))
    seconds = time.perf_counter() - started
    await kv.close()
    await asyncio.sleep(0.2)  # let the server free the closed connections
    redis = meter
    after = await used_memory(redis)
    keys = await redis.dbsize()
    sample_key = (await redis.scan(0, match="sess:cw:*", count=1000))[1][0]
    sample_index = (await redis.scan(0, match="sessidx:cw:*", count=1000))[1][0]
    figures = {
        "before": before,
        "after": after,
        "keys": keys,
        "seconds": seconds,
        "payload": len(await redis.get(sample_key)),
        "key_usage": await redis.memory_usage(sample_key),
        "index_usage": await redis.memory_usage(sample_index),
        "device": device,
        "place": places[ipv4(0).rsplit(".", 2)[0]],
    }
    await meter.aclose()
    return figures


async def main() -> None:
    """Start Redis, create the sessions, print the comparison, stop Redis."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("redis-server is needed: apt-get install redis-server")
    RESULTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_redis(port)
    try:
        fig = await measure(f"redis://127.0.0.1:{port}/0", args.sessions)
    finally:
        server.terminate()
        server.wait(timeout=30)
    per = (fig["after"] - fig["before"]) / args.sessions
    print(
        f"\nRedis memory per active citizen web session — {args.sessions:,} sessions "
        f"({fig['keys']:,} keys: session + per-account index), redis-server of its own on "
        f"port {port}, {cores()} cores, created in {fig['seconds']:.0f} s"
    )
    print(
        f"session value {fig['payload']} bytes (JSON), device {fig['device']!r}, "
        f"place {fig['place']!r}; MEMORY USAGE of one session key {fig['key_usage']} B, "
        f"of one index set {fig['index_usage']} B"
    )
    print(f"used_memory before {fig['before']:,} B, after {fig['after']:,} B")
    print(f"{'':<28}{'bytes/session':>14}")
    print(f"{'dinhdanh (measured)':<28}{per:>14,.0f}")
    print(f"{'goal':<28}{GOAL_BYTES:>14,}")
    print(f"{'Keycloak (published)':<28}{KEYCLOAK_BYTES:>14,}")
    verdict = "meets" if per <= GOAL_BYTES else "ABOVE"
    print(
        f"{per / 1000:.2f} KB per session (goal ≤ 1 KB: {verdict}); Keycloak / ours = "
        f"{KEYCLOAK_BYTES / per:.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
