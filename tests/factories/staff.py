"""Staff factories: units and staff with a known password and TOTP secret, signed in
through the real sign-in endpoints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pyotp

from dinhdanh.platform import clock
from dinhdanh.platform.db import Database
from dinhdanh.staff.models import TOTP_CONTEXT, Staff

PASSWORD = "correct horse battery staple"


@dataclass
class StaffLogin:
    """A staff member the test can sign in as."""

    id: str
    username: str
    password: str
    secret: str
    role: str
    unit_code: str


async def make_staff(
    db: Database,
    app,
    *,
    username: str | None = None,
    role: str = "officer",
    unit_code: str = "CAX-00004",
    password: str = PASSWORD,
    full_name: str = "Nguyễn Văn Thử",
    disabled: bool = False,
) -> StaffLogin:
    """Insert a staff member with credentials already set up."""
    username = username or f"{role}{uuid.uuid4().hex[:6]}"
    secret = pyotp.random_base32()
    async with db.unit_of_work() as session:
        staff = Staff(
            username=username,
            full_name=full_name,
            email=f"{username}@example.test",
            role=role,
            unit_code=unit_code,
            password_hash=await app.state.hasher.hash(password),
            totp_secret_enc=app.state.cipher.encrypt(secret, context=TOTP_CONTEXT),
            disabled=disabled,
        )
        session.add(staff)
        await session.flush()
        staff_id = str(staff.id)
    return StaffLogin(staff_id, username, password, secret, role, unit_code)


def totp_code(secret: str, step: int = 0) -> str:
    """The code of the installed clock's time step (plus `step` steps)."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(clock.now()) + step)


async def submit_password(
    client: httpx.AsyncClient, username: str, password: str, *, next: str = ""
) -> httpx.Response:
    """POST the sign-in form (step 1)."""
    return await client.post(
        "/login", data={"username": username, "password": password, "next": next}
    )


async def submit_code(client: httpx.AsyncClient, code: str, *, next: str = "") -> httpx.Response:
    """POST the TOTP form (step 2)."""
    return await client.post("/login/totp", data={"code": code, "next": next})


async def sign_in(client: httpx.AsyncClient, login: StaffLogin, *, step: int = 0) -> httpx.Response:
    """Sign in through both pages; returns the TOTP step's response (303 on success)."""
    first = await submit_password(client, login.username, login.password)
    assert first.status_code == 303, first.text
    return await submit_code(client, totp_code(login.secret, step))


async def move_staff(db: Database, login: StaffLogin, unit_code: str) -> StaffLogin:
    """Transfer a staff member to another unit (as an administrator's edit would)."""
    async with db.unit_of_work() as session:
        staff = await session.get(Staff, uuid.UUID(login.id))
        assert staff is not None
        staff.unit_code = unit_code
    return StaffLogin(login.id, login.username, login.password, login.secret, login.role, unit_code)
