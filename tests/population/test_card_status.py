"""A card is shown as expired once its expiry date has passed, whatever status is stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.clock import FrozenClock
from dinhdanh.population import service
from tests.factories.clock import stopped_at
from tests.factories.population import HOME, make_card, make_citizen

HTML = {"accept": "text/html"}


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    """The clock standing still at 2031-06-15 10:00 Vietnam time."""
    with stopped_at(dt.datetime(2031, 6, 15, 3, 0, tzinfo=dt.UTC)) as frozen:
        yield frozen


async def test_card_turns_expired_when_the_clock_passes_its_expiry(db, frozen):
    officer = Principal(kind="staff", id="officer-x", scope=Scope("commune", "01", HOME))
    async with db.unit_of_work() as s:
        an = await make_citizen(s)
        await make_card(s, an, expiry_date=dt.date(2031, 6, 15))
        await make_card(
            s,
            an,
            issue_date=dt.date(2021, 1, 1),
            status="replaced",
            expiry_date=dt.date(2030, 1, 1),
        )

    async def statuses() -> list[str]:
        async with db.unit_of_work() as s:
            record = await service.get_record(session=s, principal=officer, citizen_id=an.id)
            return [card.status for card in record.cards]

    assert await statuses() == ["valid", "replaced"]  # valid through its expiry day
    frozen.advance(days=1)
    assert await statuses() == ["expired", "replaced"]  # other statuses are kept


async def test_expired_card_in_api_and_on_the_record_page(officer, db):
    today = clock.today()
    async with db.unit_of_work() as s:
        an = await make_citizen(s)
        await make_card(s, an, expiry_date=today - dt.timedelta(days=1))
        bao = await make_citizen(s, given="Bảo")
        await make_card(s, bao, expiry_date=today)
        chi = await make_citizen(s, given="Chi", sex="F")
        await make_card(s, chi)  # no expiry (60 and over)
    rec = (await officer.get(f"/api/v1/citizens/{an.id}")).json()
    assert rec["cards"][0]["status"] == "expired"
    assert (await officer.get(f"/api/v1/citizens/{bao.id}")).json()["cards"][0]["status"] == (
        "valid"
    )
    assert (await officer.get(f"/api/v1/citizens/{chi.id}")).json()["cards"][0]["status"] == (
        "valid"
    )
    page = (await officer.get(f"/registry/citizens/{an.id}", headers=HTML)).text
    cards = page[page.index('id="cards"') : page.index('id="history"')]
    assert "Hết hạn" in cards
    assert "Còn hiệu lực" not in cards
