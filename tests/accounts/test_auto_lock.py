"""The registry locks and unlocks accounts by itself: a death, a card seized (and handed
back) or revoked (and a new card issued)."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select

from dinhdanh.accounts.models import Account, AccountLock
from dinhdanh.platform import events
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from dinhdanh.population.models import CitizenChange, IdCard
from tests.accounts.staff_clients import staff_factory
from tests.factories.accounts import create_holder, sign_in_web


@pytest.fixture
async def officer(app):
    """A client signed in as an officer of the holders' commune."""
    async with contextlib.AsyncExitStack() as stack:
        yield await staff_factory(app, stack)()


async def _state(db, holder) -> tuple[bool, list[tuple[str, str]]]:
    """Whether the account is locked, and its open locks (reason, set by)."""
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        rows = await session.scalars(
            select(AccountLock).where(
                AccountLock.account_id == account.id, AccountLock.unlocked_at.is_(None)
            )
        )
        return account.locked, [(x.reason, x.locked_by_kind) for x in rows]


async def _card_id(db, holder) -> str:
    async with db.unit_of_work() as session:
        card = await session.scalar(select(IdCard).where(IdCard.citizen_id == holder.citizen_id))
        return str(card.id)


async def test_a_recorded_death_locks_the_account(client, db, app, officer):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    assert (await client.get("/me")).status_code == 200
    died = await officer.post(
        f"/registry/citizens/{holder.citizen_id}/death", data={"date": "2025-03-01", "place": ""}
    )
    assert died.status_code == 303
    assert await _state(db, holder) == (True, [("death", "system")])
    assert (await client.get("/me")).headers["location"].startswith("/me/login")
    # An officer cannot lift it: it ends only with the fact.
    detail = (await officer.get(f"/api/v1/accounts/{holder.account_id}")).json()
    lock_id = detail["open_locks"][0]["id"]
    refused = await officer.post(
        f"/api/v1/accounts/{holder.account_id}/locks/{lock_id}/unlock", json={"note": "nhầm"}
    )
    assert refused.status_code == 403
    page = await officer.get(f"/officer/accounts/{holder.account_id}")
    assert "Ends by itself when its reason ends in the registry." in page.text
    assert f"/locks/{lock_id}/unlock" not in page.text


async def test_a_seized_card_locks_and_handing_it_back_unlocks(client, db, app, officer):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    card_id = await _card_id(db, holder)
    record = f"/registry/citizens/{holder.citizen_id}"
    page = await officer.get(record)
    assert f"/cards/{card_id}/revoke" in page.text

    no_grounds = await officer.post(
        f"{record}/cards/{card_id}/revoke", data={"reason": "seized", "note": ""}
    )
    assert no_grounds.status_code == 422
    assert await _state(db, holder) == (False, [])

    seized = await officer.post(
        f"{record}/cards/{card_id}/revoke",
        data={"reason": "seized", "note": "Biên bản tạm giữ 05/BB"},
    )
    assert seized.status_code == 303 and seized.headers["location"].endswith("done=card-seized")
    assert await _state(db, holder) == (True, [("card_seized", "system")])
    assert (await client.get("/me")).status_code == 303
    shown = await officer.get(seized.headers["location"])
    assert "Seized" in shown.text and "ID card seized" in shown.text
    assert f"/cards/{card_id}/restore" in shown.text

    back = await officer.post(f"{record}/cards/{card_id}/restore", data={"note": "Trả lại"})
    assert back.status_code == 303
    assert await _state(db, holder) == (False, [])
    assert (await sign_in_web(client, holder)).headers["location"] == "/me"
    again = await officer.post(f"{record}/cards/{card_id}/restore", data={"note": ""})
    assert again.status_code == 409

    async with db.unit_of_work() as session:
        kinds = list(
            await session.scalars(
                select(CitizenChange.kind)
                .where(CitizenChange.citizen_id == holder.citizen_id)
                .order_by(CitizenChange.id)
            )
        )
        actions = list(
            await session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.citizen_id == holder.citizen_id)
                .order_by(AuditEvent.id)
            )
        )
    assert kinds[-2:] == ["card_seized", "card_restored"]
    for action in ("population.card.seized", "account.locked", "population.card.restored"):
        assert action in actions
    assert actions.index("account.unlocked") > actions.index("account.locked")


async def test_a_revoked_card_locks_until_a_new_card_is_issued(client, db, app, officer):
    holder = await create_holder(db, app)
    card_id = await _card_id(db, holder)
    url = f"/api/v1/citizens/{holder.citizen_id}/cards/{card_id}"
    revoked = await officer.post(f"{url}/revoke", json={"reason": "revoked", "note": "QĐ 44"})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert await _state(db, holder) == (True, [("card_revoked", "system")])
    # A revoked card is not handed back, and is not revoked twice.
    assert (await officer.post(f"{url}/restore", json={"note": ""})).status_code == 409
    twice = await officer.post(f"{url}/revoke", json={"reason": "seized", "note": "x"})
    assert twice.status_code == 409
    assert (await sign_in_web(client, holder)).headers["location"] == "/me/login/verify"

    # The card issue (a later feature) announces the new card; the lock ends with it.
    async with db.unit_of_work() as session:
        await events.publish(
            session,
            events.CARD_ISSUED,
            actor=Principal.system("test"),
            citizen_id=holder.citizen_id,
        )
    assert await _state(db, holder) == (False, [])
    assert (await sign_in_web(client, holder)).headers["location"] == "/me"


async def test_card_actions_stay_inside_the_unit(db, app, officer):
    holder = await create_holder(db, app, commune_code="00008")
    card_id = await _card_id(db, holder)
    url = f"/api/v1/citizens/{holder.citizen_id}/cards/{card_id}/revoke"
    refused = await officer.post(url, json={"reason": "seized", "note": "x"})
    assert refused.status_code == 404
    assert await _state(db, holder) == (False, [])
    mine = await create_holder(db, app, phone="0912000111")
    wrong_card = await officer.post(
        f"/api/v1/citizens/{mine.citizen_id}/cards/{card_id}/revoke",
        json={"reason": "seized", "note": "x"},
    )
    assert wrong_card.status_code == 404
