"""The campaign's tests: a small population whose figures are known, and officers of the
commune, the province, another province and the Ministry (each their own cookie jar)."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from dinhdanh.accounts.models import Account
from dinhdanh.enrollment.application_models import CardApplication
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Scope
from tests.factories.auth import sign_in_as
from tests.factories.population import FAR, HOME, NEIGHBOUR, make_citizen

UNITS = {
    f"CAX-{HOME}": Scope("commune", "01", HOME),
    f"CAX-{NEIGHBOUR}": Scope("commune", "01", NEIGHBOUR),
    f"CAX-{FAR}": Scope("commune", "79", FAR),
    "CAT-01": Scope("province", "01"),
    "PC06-79": Scope("province", "79"),
    "BCA": Scope.everything(),
}
OfficerFactory = Callable[..., Awaitable[httpx.AsyncClient]]


def campaign_officers(app, stack: contextlib.AsyncExitStack) -> OfficerFactory:
    """A function opening a client signed in as an officer of `unit` (English by default)."""

    async def make(
        unit: str = f"CAX-{HOME}", role: str = "officer", lang: str = "en"
    ) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.40", 50003))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )
        await client.get("/healthz")
        client.headers["X-CSRF-Token"] = client.cookies.get("dd_csrf", "")
        client.headers["Accept-Language"] = lang
        await sign_in_as(
            client,
            app,
            staff_id=str(uuid.uuid4()),
            roles=(role,),
            scope=UNITS[unit],
            unit_code=unit,
        )
        return client

    return make


@dataclass
class Town:
    """The test population (the clock stands in 2026: ages by birth year are 2026 − year)."""

    an: uuid.UUID  # 1990, home, account level 2            → 25–39, counted with
    binh: uuid.UUID  # 1985, home, no account                → 40–59, on the list
    chi: uuid.UUID  # 2000, home, woman, no account          → 25–39, on the list
    dung: uuid.UUID  # 2015, home, account level 1           → 6–13, counted with
    em: uuid.UUID  # 2008, home, no account                  → 18–24, on the list
    giang: uuid.UUID  # 2009, home, no account               → 14–17, not on the list
    hai: uuid.UUID  # 1970, only a current residence at home → 40–59, on the list
    khoa: uuid.UUID  # 1950, home, deceased                  → counted nowhere
    lan: uuid.UUID  # 1995, permanent in the neighbour commune, staying at home
    minh: uuid.UUID  # 1988, neighbour commune, account level 1
    nam: uuid.UUID  # 1979, the other province, no account


def _account(citizen, level: int) -> Account:
    return Account(
        citizen_id=citizen.id,
        personal_id=citizen.personal_id,
        level=level,
        status="active",
        locked=False,
        phone="0912345678",
        sms_otp=False,
        passkey_sign_in=True,
    )


async def build_town(db) -> Town:
    """Write the population (and its accounts straight into the table)."""
    async with db.unit_of_work() as s:
        an = await make_citizen(s, given="An", birth=(1990, 5, 17))
        binh = await make_citizen(s, family="Lê", given="Bình", birth=(1985, 1, 2))
        chi = await make_citizen(
            s, family="Trần", middle="Thị", given="Chi", sex="F", birth=(2000, 8, 9)
        )
        dung = await make_citizen(s, given="Dũng", birth=(2015, 3, 4))
        em = await make_citizen(s, family="Phạm", given="Em", birth=(2008, 12, 30))
        giang = await make_citizen(s, family="Võ", given="Giang", birth=(2009, 1, 1))
        hai = await make_citizen(s, family="Đỗ", given="Hải", birth=(1970, None, None))
        hai.permanent_commune_code, hai.permanent_address = None, ""
        khoa = await make_citizen(
            s, family="Bùi", given="Khoa", birth=(1950, 6, 6), status="deceased"
        )
        lan = await make_citizen(
            s,
            family="Hoàng",
            middle="Thị",
            given="Lan",
            sex="F",
            birth=(1995, 2, 2),
            commune_code=NEIGHBOUR,
        )
        lan.current_commune_code = HOME
        minh = await make_citizen(
            s, family="Ngô", given="Minh", birth=(1988, 1, 1), commune_code=NEIGHBOUR
        )
        nam = await make_citizen(
            s, family="Dương", given="Nam", birth=(1979, 1, 1), commune_code=FAR
        )
        s.add_all([_account(an, 2), _account(dung, 1), _account(minh, 1)])
        await s.flush()
        return Town(
            an.id, binh.id, chi.id, dung.id, em.id, giang.id, hai.id, khoa.id, lan.id, minh.id,
            nam.id,
        )  # fmt: skip


async def add_application(
    db, citizen_id: uuid.UUID, unit_code: str, status: str, due_on: dt.date
) -> None:
    """An application in a given state (written straight into the table: the campaign only
    counts them)."""
    async with db.unit_of_work() as s:
        s.add(
            CardApplication(
                reference=uuid.uuid4().hex[:10].upper(),
                citizen_id=citizen_id,
                unit_code=unit_code,
                kind="issue",
                status=status,
                phone="0912345678",
                changes={},
                opened_by="test",
                due_on=due_on,
            )
        )


async def events(db, action: str) -> list[AuditEvent]:
    """The audit events of an action, oldest first."""
    async with db.unit_of_work() as s:
        rows = await s.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return list(rows)


async def count_rows(db, model, *where) -> int:
    """How many rows of a model match."""
    async with db.unit_of_work() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
