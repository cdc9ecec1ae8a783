"""The consent page and its rules: values shown, required claims fixed, optional ones
unticked stay out of the code, remembered consent, revocation re-asks, deny."""

from __future__ import annotations

import json
import re

import pytest

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
    to_consent_page,
)


@pytest.fixture(autouse=True)
def english(client) -> None:
    """Pages in English."""
    client.headers["Accept-Language"] = "en"


def _ticks(page) -> set[str]:
    return set(re.findall(r'name="claims" value="([^"]+)"', page.text))


async def test_the_page_shows_each_claim_with_the_citizens_value(db, app, client):
    rp = await create_relying_party(db, app, scopes=["openid", "profile", "phone", "identity"])
    holder = await create_holder(db, app, phone="0987654321")
    page = await to_consent_page(client, Flow(rp, scope="openid profile phone identity"), holder)
    row = page.text.split('id="claim-dinhdanh_personal_id"')[1].split("</tr>")[0]
    assert holder.personal_id in row and "Required" in row
    assert "+84987654321" in page.text.split('id="claim-phone_number"')[1].split("</tr>")[0]
    assert 'id="claim-phone_number_verified"' not in page.text  # comes with the number
    # Required: sub, the client's required claims. Optional: the rest, ticked by default.
    assert _ticks(page) == {
        "family_name",
        "middle_name",
        "given_name",
        "gender",
        "phone_number",
        "dinhdanh_legacy_id",
        "dinhdanh_card_number",
        "dinhdanh_card_expiry",
    }


async def test_optional_claims_unticked_are_not_in_the_code(db, app, client):
    rp = await create_relying_party(db, app, scopes=["openid", "profile", "phone", "identity"])
    holder = await create_holder(db, app)
    page = await to_consent_page(client, Flow(rp, scope="openid profile phone identity"), holder)
    # Untick everything, and try to slip in a claim that was not asked for.
    got = answer(await decide(client, page, ticked=["gender", "dinhdanh_household"]), rp)
    row = await code_row(db, got["code"])
    assert row.claims == ["sub", "name", "birthdate", "gender", "dinhdanh_personal_id"]
    consent = await consent_of(db, holder, rp)
    assert consent is not None
    assert consent.claims == row.claims
    assert consent.scopes == ["identity", "openid", "phone", "profile"]


async def test_a_required_claim_cannot_be_withheld(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    page = await to_consent_page(client, Flow(rp), holder)
    assert "name" not in _ticks(page) and "dinhdanh_personal_id" not in _ticks(page)
    got = answer(await decide(client, page, ticked=[]), rp)
    assert {"sub", "name", "birthdate", "dinhdanh_personal_id"} <= set(
        (await code_row(db, got["code"])).claims
    )


async def test_the_phone_number_brings_its_verified_flag(db, app, client):
    rp = await create_relying_party(db, app, scopes=["openid", "phone"], required_claims=[])
    holder = await create_holder(db, app)
    got = await full_sign_in(client, Flow(rp, scope="openid phone"), holder)
    assert (await code_row(db, got["code"])).claims == [
        "sub",
        "phone_number",
        "phone_number_verified",
    ]


async def test_the_claims_parameter_adds_claims_and_makes_essential_ones_required(db, app, client):
    rp = await create_relying_party(
        db, app, scopes=["openid", "profile", "residence", "identity"], required_claims=[]
    )
    holder = await create_holder(db, app)
    claims = {
        "userinfo": {"dinhdanh_permanent_residence": {"essential": True}, "email": None},
        "id_token": {"dinhdanh_card_number": None},
    }
    flow = Flow(rp, scope="openid profile", claims=json.dumps(claims))
    page = await to_consent_page(client, flow, holder)
    assert 'id="claim-dinhdanh_permanent_residence"' in page.text
    assert "dinhdanh_permanent_residence" not in _ticks(page)  # essential: required
    assert "dinhdanh_card_number" in _ticks(page)
    assert 'id="claim-email"' not in page.text  # the email scope is not the client's
    got = answer(await decide(client, page, ticked=[]), rp)
    assert (await code_row(db, got["code"])).claims == ["sub", "dinhdanh_permanent_residence"]


async def test_a_remembered_consent_is_used_and_revoking_it_asks_again(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    page = await to_consent_page(client, Flow(rp), holder)
    first = answer(await decide(client, page, ticked=["gender"]), rp)
    remembered = answer(await Flow(rp).start(client), rp)
    assert (await code_row(db, remembered["code"])).claims == (
        await code_row(db, first["code"])
    ).claims
    withdrawn = await client.post(f"/me/services/{rp.client_id}/revoke")
    assert location(withdrawn) == "/me/services?done=revoked"
    again = await Flow(rp).start(client)
    assert location(again).startswith("/oidc/consent?request=")
    assert (await consent_of(db, holder, rp)).revoked_at is not None


async def test_a_wider_request_asks_again_and_keeps_earlier_answers(db, app, client):
    rp = await create_relying_party(db, app, required_claims=["name"])
    holder = await create_holder(db, app)
    await full_sign_in(client, Flow(rp, scope="openid profile"), holder, ticked=["gender"])
    wider = await Flow(rp, scope="openid profile residence").start(client)
    assert location(wider).startswith("/oidc/consent")
    page = await client.get(location(wider))
    answer(await decide(client, page, ticked=["dinhdanh_current_residence"]), rp)
    consent = await consent_of(db, holder, rp)
    assert consent.scopes == ["openid", "profile", "residence"]
    assert consent.claims == ["sub", "name", "dinhdanh_current_residence"]
    # The narrower request is covered now, with what was given for it.
    narrow = answer(await Flow(rp, scope="openid profile").start(client), rp)
    assert (await code_row(db, narrow["code"])).claims == ["sub", "name"]


async def test_deny_sends_access_denied_and_remembers_nothing(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    flow = Flow(rp)
    page = await to_consent_page(client, flow, holder)
    got = answer(await decide(client, page, decision="deny"), rp)
    assert got["error"] == "access_denied"
    assert got["state"] == flow.state
    assert await consent_of(db, holder, rp) is None
    assert await code_count(db) == 0


async def test_a_request_is_answered_once(db, app, client):
    rp = await create_relying_party(db, app)
    holder = await create_holder(db, app)
    page = await to_consent_page(client, Flow(rp), holder)
    assert "code" in answer(await decide(client, page), rp)
    twice = await decide(client, page)
    assert twice.status_code == 400
    assert "expired or was already answered" in twice.text
    assert await code_count(db) == 1
