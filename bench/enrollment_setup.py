"""Set-up of `bench/enrollment.py` (not measured): the bench database with its demo
population and accounts, the services wired as the app factory wires them, officers,
and the images an application captures (written here: no imaging library is needed)."""

from __future__ import annotations

import datetime as dt
import os
import struct
import sys
import uuid
import zlib
from dataclasses import dataclass

import asyncpg
from _support import cli_env, database_exists, pg_url, recreate_database, run_cli

from dinhdanh.accounts.service import make_tools
from dinhdanh.enrollment.steps import EnrollmentTools
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.credentials import Totp
from dinhdanh.platform.db import Database, make_engine
from dinhdanh.platform.kv import RedisKV
from dinhdanh.platform.ratelimit import RateLimiter
from dinhdanh.settings import Settings

DB = "bench_enroll"
REDIS = os.environ.get("BENCH_ENROLL_REDIS", "redis://127.0.0.1:6379/10")
OFFICE = "00004"  # the demo commune, where the officers work
SHARES_SQL = """
INSERT INTO accounts (id, citizen_id, personal_id, level, status, locked, phone, sms_otp,
                      passkey_sign_in, created_by, created_at, updated_at)
SELECT gen_random_uuid(), c.id, c.personal_id,
       CASE WHEN $1 - c.birth_year >= 14 AND (hashtext(c.personal_id || 'l') & 1023) < 819
            THEN 2 ELSE 1 END,
       'active', false,
       '09' || lpad(((hashtext(c.personal_id) & 2147483647) % 100000000)::text, 8, '0'),
       false, true, 'bench', now(), now()
FROM citizens c
WHERE c.status = 'living'
  AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.citizen_id = c.id)
  AND (hashtext(c.personal_id) & 1023) < CASE
        WHEN $1 - c.birth_year >= 18 THEN 717 WHEN $1 - c.birth_year >= 14 THEN 512
        WHEN $1 - c.birth_year >= 6 THEN 205 ELSE 51 END
"""


def env() -> dict[str, str]:
    """The environment of the `dinhdanh` commands and of the in-process services."""
    values = cli_env(DB)
    values["DINHDANH_REDIS_URL"] = REDIS
    return values


# ---------------------------------------------------------------- set-up


async def ensure_population(citizens: int, fresh: bool) -> int:
    """The demo population (kept between runs), migrated to the newest schema."""
    have = 0
    if not fresh and await database_exists(DB):
        conn = await asyncpg.connect(pg_url(DB))
        try:
            have = await conn.fetchval("SELECT count(*) FROM citizens")
        except asyncpg.UndefinedTableError:
            have = 0
        finally:
            await conn.close()
    if have < citizens:
        await recreate_database(DB)
        print(f"generating {citizens:,} citizens (set-up, not measured)...", flush=True)
        run = run_cli(["demo", "--citizens", str(citizens), "--seed", "1"], env())
        if run.returncode:
            sys.exit(f"demo failed:\n{run.output}")
        print(f"  done in {run.seconds:.0f} s", flush=True)
        have = citizens
    run = run_cli(["migrate"], env())
    if run.returncode:
        sys.exit(f"migrate failed:\n{run.output}")
    return have


async def ensure_accounts() -> tuple[int, int]:
    """Accounts for a share of the residents (once), then VACUUM ANALYZE; (accounts, level 2)."""
    conn = await asyncpg.connect(pg_url(DB))
    try:
        if not await conn.fetchval("SELECT count(*) FROM accounts WHERE created_by = 'bench'"):
            print("creating accounts for a share of the residents (set-up)...", flush=True)
            await conn.execute(SHARES_SQL, dt.date.today().year)
        await conn.execute("VACUUM ANALYZE citizens")
        await conn.execute("VACUUM ANALYZE accounts")
        await conn.execute("VACUUM ANALYZE card_applications")
        row = await conn.fetchrow(
            "SELECT count(*), count(*) FILTER (WHERE level = 2) FROM accounts"
        )
    finally:
        await conn.close()
    return int(row[0]), int(row[1])


@dataclass
class Services:
    """What the in-process services need: the database, the tools, the officers."""

    db: Database
    tools: EnrollmentTools
    kv: RedisKV
    settings: Settings


def services() -> Services:
    """The services wired as the app factory wires them, on the bench database and Redis."""
    values = env()
    settings = Settings(
        **{k[9:].lower(): v for k, v in values.items() if k.startswith("DINHDANH_")}
    )
    db = Database(make_engine(settings.resolved_database_url))
    kv = RedisKV(REDIS)
    cipher = settings.field_cipher()
    accounts = make_tools(
        settings=settings,
        kv=kv,
        hasher=settings.password_hasher(),
        totp=Totp(kv),
        cipher=cipher,
        limiter=RateLimiter(REDIS),
    )
    return Services(
        db, EnrollmentTools(cipher=cipher, accounts=accounts, settings=settings), kv, settings
    )


def officer(unit_commune: str = OFFICE) -> Principal:
    """An officer of a commune police (a fresh staff id: the four-eyes rule tells them apart)."""
    return Principal(
        kind="staff",
        id=str(uuid.uuid4()),
        name="Bench",
        roles=frozenset({"officer"}),
        unit_code=f"CAX-{unit_commune}",
        scope=Scope("commune", "01", unit_commune),
        client_ip="127.0.0.1",
    )


def at(scope: Scope) -> Principal:
    """An officer whose unit sees `scope`."""
    return Principal(kind="staff", id=str(uuid.uuid4()), roles=frozenset({"officer"}), scope=scope)


# ---------------------------------------------------------------- images


def grey_jpeg(width: int, height: int) -> bytes:
    """A real baseline JPEG of one grey: every 8×8 block a zero DC difference and an end of
    block, coded with one-code Huffman tables (Chromium decodes it to 128-grey pixels)."""

    def segment(marker: int, body: bytes) -> bytes:
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body

    one_code = bytes([1] + [0] * 15)
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    bits = 2 * blocks
    scan = bytes(bits // 8) + (bytes([0xFF >> (bits % 8)]) if bits % 8 else b"")
    return (
        b"\xff\xd8"
        + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xDB, b"\x00" + bytes([1] * 64))
        + segment(0xC0, b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00")
        + segment(0xC4, b"\x00" + one_code + b"\x00" + b"\x10" + one_code + b"\x00")
        + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + scan
        + b"\xff\xd9"
    )


def grey_png(width: int, height: int) -> bytes:
    """A real 8-bit greyscale PNG with a ridge-like pattern (a fingerprint's size)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(
        b"\x00" + bytes((x * 37 + y * 11) % 256 for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


FACE = grey_jpeg(320, 400)
FINGER = grey_png(300, 400)
