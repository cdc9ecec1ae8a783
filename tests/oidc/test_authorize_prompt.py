"""`prompt`, `max_age`, `acr_values` and levels at the authorization endpoint; a locked
account and a deceased citizen never get a code."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from dinhdanh.accounts import locks
from dinhdanh.accounts.models import Account
from dinhdanh.platform.auth import Principal
from dinhdanh.population.models import Citizen
from tests.factories.accounts import create_holder
from tests.factories.partners import create_relying_party
from tests.oidc.front_channel import (
    Flow,
    answer,
    code_count,
    code_row,
    consent_of,
    decide,
    full_sign_in,
    location,
    sign_in,
    to_consent_page,
)

LOA1, LOA2 = "urn:dinhdanh:loa:1", "urn:dinhdanh:loa:2"


@pytest.fixture(autouse=True)
def english(client) -> None:
    """Pages in English."""
    client.headers["Accept-Language"] = "en"


async def _remembered(db, app, client, **rp_fields):
    """A signed-in citizen who has consented once to a client."""
    rp = await create_relying_party(db, app, **rp_fields)
    holder = await create_holder(db, app)
    await full_sign_in(client, Flow(rp), holder)
    return rp, holder


async def test_prompt_none_without_a_session_answers_login_required(db, app, client):
    rp = await create_relying_party(db, app)
    flow = Flow(rp, prompt="none")
    got = answer(await flow.start(client), rp)
    assert got["error"] == "login_required"
    assert got["state"] == flow.state


async def test_prompt_none_without_consent_answers_consent_required(db, app, client):
    rp = await create_relying_party(db, app)
    await sign_in(client, await create_holder(db, app))
    got = answer(await Flow(rp, prompt="none").start(client), rp)
    assert got["error"] == "consent_required"
    assert await code_count(db) == 0


async def test_prompt_none_with_session_and_consent_gives_a_code_without_a_page(db, app, client):
    rp, _ = await _remembered(db, app, client)
    got = answer(await Flow(rp, prompt="none").start(client), rp)
    assert "code" in got and "error" not in got


async def test_a_remembered_consent_gives_a_code_at_once_unless_prompt_consent(db, app, client):
    rp, _ = await _remembered(db, app, client)
    again = await Flow(rp).start(client)
    assert "code" in answer(again, rp)
    asked = await Flow(rp, prompt="consent").start(client)
    assert location(asked).startswith("/oidc/consent?request=")


async def test_prompt_login_asks_for_a_new_sign_in_even_when_signed_in(db, app, client):
    rp, holder = await _remembered(db, app, client)
    first_sid = (await code_row(db, answer(await Flow(rp).start(client), rp)["code"])).sid
    flow = Flow(rp, prompt="login")
    start = await flow.start(client)
    login = location(start)
    assert login.startswith("/me/login?next=/oidc/authorize/resume/")
    assert login.endswith("&again=true")
    # The sign-in page asks again although the browser is signed in...
    assert (await client.get(login)).status_code == 200
    resume = parse_qs(urlsplit(login).query)["next"][0]
    # ...and coming back without signing in leads to sign-in again, yet the link alone
    # signed nobody out: the old session still works until the new sign-in replaces it.
    assert location(await client.get(resume)).startswith("/me/login")
    assert (await client.get("/me")).status_code == 200
    signed = await client.post(
        "/me/login",
        data={"personal_id": holder.personal_id, "password": holder.password, "next": resume},
    )
    got = answer(await client.get(location(signed)), rp)
    row = await code_row(db, got["code"])
    assert row.sid != first_sid


async def test_prompt_none_with_prompt_login_is_refused(db, app, client):
    rp = await create_relying_party(db, app)
    assert answer(await Flow(rp, prompt="none login").start(client), rp)["error"] == (
        "invalid_request"
    )


async def test_max_age_exceeded_asks_for_a_new_sign_in(db, app, client, moving_clock):
    rp, holder = await _remembered(db, app, client)
    moving_clock.advance(seconds=120)
    fresh_enough = await Flow(rp, max_age="600").start(client)
    assert "code" in answer(fresh_enough, rp)
    too_old = await Flow(rp, max_age="60").start(client)
    assert location(too_old).startswith("/me/login?next=")
    silent = await Flow(rp, max_age="60", prompt="none").start(client)
    assert answer(silent, rp)["error"] == "login_required"
    # max_age=0 is satisfied by the sign-in made for this very request (no loop).
    flow = Flow(rp, max_age="0")
    resume = parse_qs(urlsplit(location(await flow.start(client))).query)["next"][0]
    signed = await client.post(
        "/me/login",
        data={"personal_id": holder.personal_id, "password": holder.password, "next": resume},
    )
    moving_clock.advance(seconds=5)
    assert "code" in answer(await client.get(location(signed)), rp)


async def test_a_level_1_citizen_at_a_level_2_service_sees_a_clear_page(db, app, client):
    rp = await create_relying_party(db, app, level=2)
    holder = await create_holder(db, app, level=1)
    await sign_in(client, holder)
    flow = Flow(rp)
    page = await flow.start(client)
    assert page.status_code == 403
    assert 'id="level-too-low"' in page.text
    assert "level 2" in page.text
    assert "Công an xã" in page.text
    back = page.text.split('id="back-to-service"')[0].rsplit('href="', 1)[1].split('"')[0]
    back = back.replace("&amp;", "&")
    assert back.startswith(rp.redirect_uri + "?")
    query = parse_qs(urlsplit(back).query)
    assert query["error"] == ["access_denied"]
    assert query["error_description"] == ["level 2 required"]
    assert query["state"] == [flow.state]
    assert await code_count(db) == 0
    # prompt=none: no page, an error to the client.
    silent = answer(await Flow(rp, prompt="none").start(client), rp)
    assert silent["error"] == "interaction_required"


async def test_the_level_page_speaks_vietnamese_by_default(db, app, client):
    rp = await create_relying_party(db, app, level=2)
    await sign_in(client, await create_holder(db, app, level=1))
    del client.headers["Accept-Language"]
    page = await Flow(rp).start(client)
    assert "Dịch vụ này yêu cầu tài khoản mức độ 2" in page.text


async def test_acr_values_raise_the_level_never_lower_it(db, app, client):
    level1_rp = await create_relying_party(db, app, level=1)
    level2_rp = await create_relying_party(db, app, level=2)
    await sign_in(client, await create_holder(db, app, level=1))
    assert (await Flow(level1_rp, acr_values=LOA2).start(client)).status_code == 403
    # Any value listed will do: the lowest is asked.
    listed = await Flow(level1_rp, acr_values=f"{LOA2} {LOA1}").start(client)
    assert location(listed).startswith("/oidc/consent")
    assert (await Flow(level2_rp, acr_values=LOA1).start(client)).status_code == 403
    essential = json.dumps({"id_token": {"acr": {"essential": True, "values": [LOA2]}}})
    assert (await Flow(level1_rp, claims=essential).start(client)).status_code == 403
    assert location(await Flow(level1_rp, acr_values="urn:other").start(client)).startswith(
        "/oidc/consent"
    )


async def test_a_level_2_citizen_signs_in_at_level_2(db, app, client):
    rp = await create_relying_party(db, app, level=1)
    holder = await create_holder(db, app, level=2)
    got = await full_sign_in(client, Flow(rp, acr_values=LOA1), holder)
    assert (await code_row(db, got["code"])).level == 2


async def test_a_locked_account_never_gets_a_code(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    page = await to_consent_page(client, Flow(rp), holder)
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        # No session store at hand (as a registry event): the session ends at its next use.
        await locks.lock(
            session=session,
            tools=None,
            actor=Principal.system("test"),
            account=account,
            reason="authority_request",
        )
    refused = await decide(client, page)
    assert location(refused).startswith("/me/login")
    assert await code_count(db) == 0


async def test_a_deceased_citizen_never_gets_a_code(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    page = await to_consent_page(client, Flow(rp), holder)
    async with db.unit_of_work() as session:
        # The registry's status alone (the lock its event sets is tested above).
        await session.execute(
            update(Citizen).where(Citizen.id == holder.citizen_id).values(status="deceased")
        )
    got = answer(await decide(client, page), rp)
    assert got["error"] == "access_denied"
    assert await code_count(db) == 0
    assert await consent_of(db, holder, rp) is None
