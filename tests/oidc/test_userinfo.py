"""Userinfo: the consented claims for a citizen's bearer token, each answer written to the
citizen's activity log; a bad, revoked or orphaned token is `invalid_token`."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from dinhdanh.accounts import service
from dinhdanh.partners.models import PartnerClient
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from tests.factories.accounts import Holder
from tests.factories.partners import create_relying_party
from tests.factories.population import create_family
from tests.oidc.conftest import sign_in_tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def releases(db, citizen_id) -> list[AuditEvent]:
    async with db.unit_of_work() as session:
        return list(
            await session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.action == "oidc.claims_released",
                    AuditEvent.citizen_id == citizen_id,
                )
                .order_by(AuditEvent.id)
            )
        )


async def test_userinfo_answers_the_granted_claims_and_audits_each_answer(
    db, app, client, oidc_client, holder
):
    tokens = await sign_in_tokens(
        db,
        app,
        client,
        oidc_client,
        holder,
        scopes=["openid", "profile", "phone", "residence"],
        claims=["sub", "name", "birthdate", "phone_number", "dinhdanh_permanent_residence"],
    )
    response = await client.get("/oidc/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    info = response.json()
    assert set(info) == {
        "sub",
        "name",
        "birthdate",
        "phone_number",
        "phone_number_verified",
        "dinhdanh_permanent_residence",
    }
    assert info["phone_number"] == "+84912345678" and info["phone_number_verified"] is True
    assert info["dinhdanh_permanent_residence"]["street_address"] == "12 Phố Đội Cấn"

    posted = await client.post("/oidc/userinfo", headers=bearer(tokens["access_token"]))
    assert posted.json() == info
    events = await releases(db, holder.citizen_id)
    # One per userinfo answer (the ID token carries no data).
    assert len(events) == 2
    assert events[-1].data["claims"] == [
        "birthdate",
        "dinhdanh_permanent_residence",
        "name",
        "phone_number",
        "phone_number_verified",
    ]
    assert events[-1].actor_kind == "service" and events[-1].actor_id == oidc_client.client_id


async def test_the_sub_is_the_one_of_the_id_token(db, app, client, oidc_client, holder):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    info = (await client.get("/oidc/userinfo", headers=bearer(tokens["access_token"]))).json()
    keys = KeySet.import_key_set((await client.get("/oidc/jwks")).json())
    assert jwt.decode(tokens["id_token"], keys).claims["sub"] == info["sub"]


async def test_no_token_gets_a_bare_bearer_challenge(client):
    response = await client.get("/oidc/userinfo")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_an_unknown_token_is_invalid_token(db, client, holder):
    response = await client.get("/oidc/userinfo", headers=bearer("not-a-token"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["error"] == "invalid_token"
    assert await releases(db, holder.citizen_id) == []


async def test_a_token_of_a_disabled_client_is_invalid(db, app, client, holder):
    rp = await create_relying_party(db, app)
    tokens = await sign_in_tokens(db, app, client, rp, holder)
    async with db.unit_of_work() as session:
        row = await session.get(PartnerClient, rp.client_id)
        row.active = False
    response = await client.get("/oidc/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    async with db.unit_of_work() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "oidc.claims_released")
        )
    assert count == 0  # the ID token carries no data, and userinfo refused


async def test_an_expired_access_token_is_invalid(
    db, app, client, oidc_client, holder, moving_clock
):
    tokens = await sign_in_tokens(db, app, client, oidc_client, holder)
    moving_clock.advance(seconds=601)
    response = await client.get("/oidc/userinfo", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401


async def test_releasing_the_household_is_in_every_members_activity_log(db, app, client):
    family = await create_family(db)
    father = family["father"]
    async with db.unit_of_work() as session:
        account = await service.create_account(
            session=session,
            tools=app.state.account_tools,
            actor=Principal.system("test"),
            data=service.NewAccount(personal_id=father.personal_id, phone="0912345670"),
        )
    holder = Holder(account.id, father.id, father.personal_id, "0912345670", "")
    rp = await create_relying_party(db, app, scopes=["openid", "profile", "household"])
    tokens = await sign_in_tokens(
        db, app, client, rp, holder, scopes=["openid", "household"], claims=["dinhdanh_household"]
    )
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    info = (await client.get("/oidc/userinfo", headers=bearer)).json()
    assert len(info["dinhdanh_household"]["members"]) == 3
    async with db.unit_of_work() as session:
        told = set(
            await session.scalars(
                select(AuditEvent.citizen_id).where(AuditEvent.action == "oidc.household_released")
            )
        )
    assert told == {family["mother"].id, family["child"].id}
