"""A double click on "Approve": two approvals of one application at the same moment, on two
real database connections (outside the per-test savepoint, on a database of their own).
One card and one account come out; the other click is told the application is decided."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import func, select

from dinhdanh.accounts.models import Account
from dinhdanh.app import create_app
from dinhdanh.enrollment.application_models import CardChip
from dinhdanh.population.models import IdCard
from tests.enrollment.office import chip_keys, officer_factory, submitted
from tests.factories.population import make_card, make_citizen


@pytest.mark.slow
async def test_two_approvals_at_once_make_one_card_and_one_account(settings, live_db, kv, cipher):
    app = create_app(settings, db=live_db, kv=kv)
    await chip_keys(live_db, cipher)
    async with live_db.unit_of_work() as session:
        person = await make_citizen(session)
        await make_card(session, person)
    async with contextlib.AsyncExitStack() as stack:
        officers = officer_factory(app, stack)
        clerk, chief = await officers(), await officers()
        application = await submitted(clerk, person.id, wants_account=True)
        url = f"/officer/applications/{application['id']}/approve"

        first, second = await asyncio.gather(chief.post(url), chief.post(url))

    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [303, 409], (first.text[-500:], second.text[-500:])
    loser = first if first.status_code == 409 else second
    assert "This application was already decided: approved." in loser.text
    async with live_db.unit_of_work() as session:
        cards = await session.scalar(
            select(func.count())
            .select_from(IdCard)
            .where(IdCard.citizen_id == person.id, IdCard.status == "valid")
        )
        accounts = await session.scalar(
            select(func.count()).select_from(Account).where(Account.citizen_id == person.id)
        )
        chips = await session.scalar(select(func.count()).select_from(CardChip))
    assert (cards, accounts, chips) == (1, 1, 1)
