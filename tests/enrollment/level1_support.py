"""Level-1 test helpers: a registry person with a valid card, the card's chip made by the
real card production (signed by the system's Document Signer), forged variants, and the
app's registration steps driven over HTTP with the code read from the SMS outbox."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

import httpx
import pytest
from sqlalchemy import select

from dinhdanh.enrollment import chip, keys, pki, sod
from dinhdanh.enrollment.card import CardData, ProducedCard, produce_card
from dinhdanh.enrollment.level1_models import FaceCheck, Level1Registration
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.population.models import Citizen, IdCard
from tests.enrollment.helpers import tiny_png
from tests.factories.accounts import code_in, last_sms
from tests.factories.population import make_card, make_citizen

SELFIE = tiny_png(480, 640)
OTHER_FACE = tiny_png(300, 400)
FILE_NAMES = {1: "EF_DG1.bin", 2: "EF_DG2.bin", 13: "EF_DG13.bin", 0: "EF_SOD.bin"}


@dataclass
class Person:
    """A registry citizen with their valid card, and that card's chip."""

    citizen_id: uuid.UUID
    personal_id: str
    card: ProducedCard
    data: CardData
    issue_date: dt.date
    expiry: dt.date | None


def years_ago(years: int, *, days: int = 0) -> tuple[int, int, int]:
    """A birth date `years` years (and `days` days) before today."""
    today = clock.today() - dt.timedelta(days=days)
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born.year, born.month, born.day


def card_data(citizen: Citizen, issue: dt.date, expiry: dt.date | None, **changes) -> CardData:
    """The card data of a registry citizen, as the office would produce it."""
    data = CardData(
        personal_id=citizen.personal_id,
        family_name=citizen.family_name,
        middle_name=citizen.middle_name,
        given_name=citizen.given_name,
        birth_year=citizen.birth_year,
        birth_month=citizen.birth_month,
        birth_day=citizen.birth_day,
        sex=citizen.sex,
        nationality="Việt Nam",
        ethnicity="Kinh",
        religion="Không",
        place_of_origin="Xã Thăng Thọ, Tỉnh Thanh Hóa",
        residence=citizen.permanent_address,
        issue_date=issue,
        expiry=expiry,
        father_name="",
        mother_name="",
        face_image=tiny_png(320, 400),
    )
    return replace(data, **changes)


async def make_person(
    db,
    cipher,
    *,
    birth: tuple[int, int, int] = (1990, 5, 17),
    card_status: str = "valid",
    chip_changes: dict | None = None,
    **citizen_fields,
) -> Person:
    """A living citizen of the home commune with a valid card and its chip."""
    issue = dt.date(2025, 8, 1)
    expiry = clock.today() + dt.timedelta(days=3 * 365)
    async with db.unit_of_work() as session:
        citizen = await make_citizen(session, birth=birth, **citizen_fields)
        await make_card(session, citizen, issue_date=issue, expiry_date=expiry, status=card_status)
        data = card_data(citizen, issue, expiry, **(chip_changes or {}))
        produced = await produce_card(data, session=session, cipher=cipher)
    return Person(citizen.id, citizen.personal_id, produced, data, issue, expiry)


def chip_files(card: ProducedCard, **groups: bytes) -> list[tuple[str, tuple[str, bytes]]]:
    """The chip's files as a multipart `chip` field; `dg13=...` etc. replace one."""
    files = {1: card.dg1, 2: card.dg2, 13: card.dg13, 0: card.sod}
    for name, raw in groups.items():
        files[0 if name == "sod" else int(name.removeprefix("dg"))] = raw
    return [
        ("chip", (FILE_NAMES[n], raw)) for n, raw in files.items() if raw is not None and raw != b""
    ]


def foreign_sod(card: ProducedCard) -> bytes:
    """The card's data groups signed under a CSCA the system does not trust."""
    now = clock.now()
    csca = pki.make_csca(now - dt.timedelta(days=1))
    ds = pki.issue_ds(csca, now - dt.timedelta(hours=1))
    return sod.build_sod(
        card.data_groups, private_key=ds.private_key, certificate=ds.certificate, signing_time=now
    )


def altered_dg13(card: ProducedCard, **changes) -> bytes:
    """DG13 rebuilt with other data (the SOD still holds the original's hash)."""
    return chip.build_dg13(replace(chip.parse_dg13(card.dg13), **changes))


@dataclass
class Started:
    """A registration opened through the API, and its token."""

    id: str
    token: str
    phone: str

    @property
    def auth(self) -> dict[str, str]:
        """The registration's bearer header."""
        return {"Authorization": f"Bearer {self.token}"}


async def start(
    client: httpx.AsyncClient, personal_id: str, phone: str = "0912000111", **extra
) -> httpx.Response:
    """POST the first step with a fresh Idempotency-Key."""
    return await client.post(
        "/api/app/v1/level1/registrations",
        json={"personal_id": personal_id, "phone": phone, **extra},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


async def started_and_verified(
    client: httpx.AsyncClient, db, personal_id: str, phone: str = "0912000111"
) -> Started:
    """The first two steps: start, then the code from the SMS."""
    answer = await start(client, personal_id, phone)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    started = Started(body["id"], body["token"], phone)
    code = code_in(await last_sms(db, phone))
    verified = await client.post(
        f"/api/app/v1/level1/registrations/{started.id}/phone",
        json={"code": code},
        headers=started.auth,
    )
    assert verified.status_code == 200, verified.text
    return started


async def submit_card(
    client: httpx.AsyncClient,
    started: Started,
    *,
    files: list | None = None,
    qr_text: str | None = None,
    selfie: bytes | None = SELFIE,
    key: str | None = None,
) -> httpx.Response:
    """POST the card step (multipart) with an Idempotency-Key."""
    parts = list(files or [])
    if selfie is not None:
        parts.append(("selfie", ("selfie.png", selfie, "image/png")))
    return await client.post(
        f"/api/app/v1/level1/registrations/{started.id}/card",
        files=parts,
        data={"qr_text": qr_text} if qr_text is not None else None,
        headers={**started.auth, "Idempotency-Key": key or str(uuid.uuid4())},
    )


async def registration(db, registration_id: str) -> Level1Registration:
    """The stored registration."""
    async with db.unit_of_work() as session:
        found = await session.get(Level1Registration, uuid.UUID(registration_id))
        assert found is not None
        return found


async def face_checks(db, citizen_id: uuid.UUID) -> list[FaceCheck]:
    """The person's queued face checks."""
    async with db.unit_of_work() as session:
        return list(
            await session.scalars(select(FaceCheck).where(FaceCheck.citizen_id == citizen_id))
        )


async def set_card_status(db, citizen_id: uuid.UUID, status: str) -> None:
    """Change the registry card's stored status (revoked, lost, ...)."""
    async with db.unit_of_work() as session:
        card = await session.scalar(select(IdCard).where(IdCard.citizen_id == citizen_id))
        assert card is not None
        card.status = status


@pytest.fixture
async def with_keys(db, settings) -> None:
    """The system's chip signing keys (CSCA and Document Signer)."""
    async with db.unit_of_work() as session:
        await keys.create_keys(
            session=session, cipher=settings.field_cipher(), actor=Principal.system("test")
        )


@pytest.fixture
def english(client) -> None:
    """English messages (the tests read them)."""
    client.headers["Accept-Language"] = "en"
