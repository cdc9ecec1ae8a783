"""Benchmark: look up a citizen by personal ID through the HTTP API over a PostgreSQL
registry of 1,000,000 citizens at concurrency 8, beside the same look-up made straight
with asyncpg at concurrency 8, in the same run. Goal (issue 3): HTTP/asyncpg ≥ 0.5.

    .venv/bin/python bench/registry_lookup.py [--citizens 1000000] [--seconds 20]

Set-up (not measured): a database `dinhdanh_bench` filled by `dinhdanh demo` (kept between
runs), the server started with `dinhdanh serve` on PostgreSQL and Redis, a signed-in
Ministry-level officer session. The HTTP load comes from `wrk` (Debian package `wrk`), a C
load generator, so the client does not limit the server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

import asyncpg
import httpx
from _support import RESULTS, cli_env, cores, database_exists, pg_url, recreate_database, run_cli

from dinhdanh.platform.auth import Scope
from dinhdanh.platform.kv import RedisKV
from dinhdanh.platform.sessions import SessionStore, staff_payload

DB = "dinhdanh_bench"
LOOKUP_SQL = "SELECT * FROM citizens WHERE personal_id = $1"


async def ensure_registry(citizens: int) -> int:
    """Fill the bench database with `citizens` demo citizens unless it already has them."""
    if await database_exists(DB):
        conn = await asyncpg.connect(pg_url(DB))
        try:
            have = await conn.fetchval("SELECT count(*) FROM citizens")
        except asyncpg.UndefinedTableError:
            have = 0
        finally:
            await conn.close()
        if have >= citizens:
            return have
    await recreate_database(DB)
    print(f"generating {citizens:,} citizens (set-up, not measured)...", flush=True)
    run = run_cli(["demo", "--citizens", str(citizens), "--seed", "1"], cli_env(DB))
    if run.returncode:
        sys.exit(f"demo failed:\n{run.output}")
    print(f"  done in {run.seconds:.0f} s", flush=True)
    return citizens


async def sample_ids(n: int) -> list[str]:
    """Random personal IDs present in the registry."""
    conn = await asyncpg.connect(pg_url(DB))
    try:
        rows = await conn.fetch(
            "SELECT personal_id FROM citizens TABLESAMPLE SYSTEM (2) LIMIT $1", n
        )
    finally:
        await conn.close()
    return [r[0] for r in rows]


async def staff_cookie() -> str:
    """A verified Ministry-level officer session, created in Redis as sign-in would."""
    kv = RedisKV(cli_env(DB)["DINHDANH_REDIS_URL"])
    store = SessionStore(kv, ttl=3600, idle=3600, namespace="staff")
    data = await store.create(
        "00000000-0000-0000-0000-00000000beef",
        ip="127.0.0.1",
        extra=staff_payload(roles=["officer"], unit="BCA", name="Bench", scope=Scope.everything()),
    )
    await kv.close()
    return data.id


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    """`dinhdanh serve` on PostgreSQL and Redis."""
    log = (RESULTS / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dinhdanh", "serve", "--port", str(port), "--workers", str(workers)],
        env=cli_env(DB),
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit("server did not start; see bench/results/server.log")


def run_wrk(
    port: int, cookie: str, ids: list[str], seconds: int, conc: int, path: str | None = None
) -> dict[str, float]:
    """Drive the API with wrk (or one fixed `path`); return rate, p50 and p99 (ms)."""
    script = RESULTS / "lookup.lua"
    id_list = ",".join(f'"{i}"' for i in ids)
    target = f'"{path}"' if path else '"/api/v1/citizens?personal_id=" .. id'
    script.write_text(
        f"local ids = {{{id_list}}}\n"
        "request = function()\n"
        "  local id = ids[math.random(#ids)]\n"
        f'  return wrk.format("GET", {target},'
        f' {{["Cookie"] = "dd_staff={cookie}", ["Accept"] = "application/json"}})\n'
        "end\n"
    )
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{conc}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        sys.exit(f"the API answered errors:\n{out}")

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rate": rate, "p50": ms("50%"), "p99": ms("99%")}


async def run_asyncpg(ids: list[str], seconds: int, conc: int) -> dict[str, float]:
    """The same look-up straight on asyncpg: `conc` tasks on a pool of `conc` connections."""
    pool = await asyncpg.create_pool(pg_url(DB), min_size=conc, max_size=conc)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        rng = random.Random()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with pool.acquire() as conn:
                row = await conn.fetchrow(LOOKUP_SQL, rng.choice(ids))
            latencies.append(time.perf_counter() - started)
            assert row is not None

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conc)))
    elapsed = time.perf_counter() - started
    await pool.close()
    cuts = statistics.quantiles(latencies, n=100)
    return {"rate": len(latencies) / elapsed, "p50": cuts[49] * 1000, "p99": cuts[98] * 1000}


async def main() -> None:
    """Set up, measure both paths, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    RESULTS.mkdir(parents=True, exist_ok=True)
    have = await ensure_registry(args.citizens)
    ids = await sample_ids(5000)
    cookie = await staff_cookie()
    port = 18000 + os.getpid() % 1000
    server = start_server(port, args.workers)
    try:
        run_wrk(port, cookie, ids, 3, args.concurrency)  # warm-up
        http = run_wrk(port, cookie, ids, args.seconds, args.concurrency)
        # Context, not the comparison: the same server answering GET /healthz (no session,
        # no database) is the ceiling the framework itself puts on any route.
        ceiling = run_wrk(port, cookie, ids, args.seconds, args.concurrency, "/healthz")
    finally:
        server.terminate()
        server.wait(timeout=30)
    await run_asyncpg(ids, 3, args.concurrency)  # warm-up
    raw = await run_asyncpg(ids, args.seconds, args.concurrency)
    ratio = http["rate"] / raw["rate"]
    print(
        f"\nregistry look-up by personal ID — {have:,} citizens, concurrency "
        f"{args.concurrency}, {cores()} cores, server workers {args.workers}"
    )
    print(f"{'path':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, fig in (
        ("HTTP API (audited)", http),
        ("asyncpg direct", raw),
        ("(context) HTTP GET /healthz", ceiling),
    ):
        print(f"{name:<28}{fig['rate']:>10.0f}{fig['p50']:>10.2f}{fig['p99']:>10.2f}")
    verdict = "meets" if ratio >= 0.5 else "BELOW"
    print(f"ratio HTTP/asyncpg = {ratio:.2f}  (goal ≥ 0.5: {verdict})")


if __name__ == "__main__":
    asyncio.run(main())
