"""Shared set-up for the benchmarks: PostgreSQL databases, CLI runs with their peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")


def sa_url(db: str) -> str:
    """The SQLAlchemy URL of a bench database."""
    return PG_ADMIN.replace("postgresql://", "postgresql+asyncpg://") + f"/{db}"


def pg_url(db: str) -> str:
    """The asyncpg URL of a bench database."""
    return f"{PG_ADMIN}/{db}"


async def recreate_database(name: str) -> None:
    """Drop and create a database (bench databases only)."""
    conn = await asyncpg.connect(f"{PG_ADMIN}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def database_exists(name: str) -> bool:
    """True when the database exists."""
    conn = await asyncpg.connect(f"{PG_ADMIN}/postgres")
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname=$1", name))
    finally:
        await conn.close()


def cli_env(db: str, **extra: str) -> dict[str, str]:
    """Environment for a `dinhdanh` run against a bench database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DINHDANH_")}
    env.update(
        DINHDANH_DATABASE_URL=sa_url(db),
        DINHDANH_REDIS_URL=REDIS,
        DINHDANH_DEMO="false",
        DINHDANH_SECRET_KEY="bench-secret-key-bench-secret-key",
        DINHDANH_DATA_DIR=str(RESULTS / "var"),
        DINHDANH_LOG_LEVEL="WARNING",
        # One bench session makes thousands of requests a second: lift the per-member
        # limit so the limiter is measured (it still counts each request) but never refuses.
        DINHDANH_API_RATE_LIMIT="100000000/minute",
        **extra,
    )
    return env


@dataclass
class Run:
    """One finished command: its wall time, peak memory and output tail."""

    seconds: float
    max_rss_mib: float
    returncode: int
    output: str


def run_cli(args: list[str], env: dict[str, str]) -> Run:
    """Run `python -m dinhdanh ARGS`, measuring wall time and this child's own peak RSS."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / "last-cli-run.log"
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dinhdanh", *args], env=env, stdout=out, stderr=out
        )
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss / 1024, code, log.read_text()[-3000:])


def cores() -> int:
    """CPU cores available to this process."""
    return len(os.sched_getaffinity(0))
