"""The office's upgrade of a level-1 account to level 2: an officer of the holder's commune,
having seen the person with their card, raises the level (audited, sessions ended, SMS);
without the attestation, a valid card, or the unit's scope, nothing changes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from dinhdanh.accounts.models import Account
from tests.accounts.staff_clients import staff_factory
from tests.enrollment.level1_support import set_card_status
from tests.factories.accounts import create_holder, last_sms, sign_in_web
from tests.factories.audit import actions
from tests.factories.population import NEIGHBOUR


@pytest.fixture(autouse=True)
def english(client) -> None:
    client.headers["Accept-Language"] = "en"


@pytest.fixture
async def staff(app) -> AsyncIterator:
    async with contextlib.AsyncExitStack() as stack:
        yield staff_factory(app, stack)


async def _level(db, holder) -> int:
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        assert account is not None
        return account.level


async def test_an_officer_upgrades_after_seeing_the_person(client, db, app, staff):
    holder = await create_holder(db, app, level=1)
    await sign_in_web(client, holder)
    assert (await client.get("/me")).status_code == 200
    officer = await staff()
    url = f"/officer/accounts/{holder.account_id}/upgrade"

    account_page = await officer.get(f"/officer/accounts/{holder.account_id}")
    assert f'href="{url}" id="upgrade-link"' in account_page.text
    page = await officer.get(url)
    assert page.status_code == 200
    assert 'id="seen"' in page.text and "Level 1" in page.text

    done = await officer.post(url, data={"seen_in_person": "yes"})

    assert done.status_code == 303
    assert await _level(db, holder) == 2
    shown = await officer.get(done.headers["location"])
    assert "The account is now at level 2." in shown.text
    assert "now at level 2" in await last_sms(db, holder.phone)
    history = await actions(db, holder.citizen_id)
    assert history[-2:] == ["account.identity_checked_at_office", "account.level_changed"]
    account_page = await officer.get(f"/officer/accounts/{holder.account_id}")
    assert 'id="upgrade-link"' not in account_page.text
    # The holder's sessions ended: the next sign-in carries level 2.
    assert (await client.get("/me")).status_code == 303


async def test_without_the_attestation_nothing_changes(client, db, app, staff):
    holder = await create_holder(db, app, level=1)
    officer = await staff()
    refused = await officer.post(f"/officer/accounts/{holder.account_id}/upgrade", data={})
    assert refused.status_code == 422
    assert "Confirm that you saw the person with their card" in refused.text
    assert await _level(db, holder) == 1


async def test_no_valid_card_no_upgrade(client, db, app, staff):
    holder = await create_holder(db, app, level=1)
    await set_card_status(db, holder.citizen_id, "lost")
    officer = await staff()
    refused = await officer.post(
        f"/officer/accounts/{holder.account_id}/upgrade", data={"seen_in_person": "yes"}
    )
    assert refused.status_code == 409
    assert "no valid card" in refused.text
    assert await _level(db, holder) == 1


async def test_only_the_holders_unit_and_only_level1(client, db, app, staff):
    holder = await create_holder(db, app, level=1)
    url = f"/officer/accounts/{holder.account_id}/upgrade"
    elsewhere = await staff(commune=NEIGHBOUR)
    assert (await elsewhere.get(url)).status_code == 404
    assert (await elsewhere.post(url, data={"seen_in_person": "yes"})).status_code == 404
    admin = await staff(role="admin")
    assert (await admin.post(url, data={"seen_in_person": "yes"})).status_code == 403
    assert await _level(db, holder) == 1

    already = await create_holder(db, app, level=2, phone="0912000444")
    officer = await staff()
    refused = await officer.post(
        f"/officer/accounts/{already.account_id}/upgrade", data={"seen_in_person": "yes"}
    )
    assert refused.status_code == 409
    assert "already at level 2" in refused.text
