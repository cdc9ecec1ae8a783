"""The demo partners seeded on `dinhdanh serve` in demo mode."""

from __future__ import annotations

from sqlalchemy import func, select

from dinhdanh.partners.clients import load_client, secret_matches
from dinhdanh.partners.demo import ensure_demo_partners
from dinhdanh.partners.models import Partner
from dinhdanh.partners.service import NewPartner, register_partner
from dinhdanh.platform.auth import Principal


async def test_the_demo_partners_are_seeded_once_on_an_empty_table(app, db):
    cipher = app.state.cipher
    async with db.unit_of_work() as session:
        seeded = await ensure_demo_partners(session, cipher=cipher)
    async with db.unit_of_work() as session:
        again = await ensure_demo_partners(session, cipher=cipher)
        partners = await session.scalar(select(func.count()).select_from(Partner))
        tamtru = await load_client(session, "tamtru-demo")
        evn = await load_client(session, "evn-demo")
    assert (
        [d.client_id for d in seeded]
        == [d.client_id for d in again]
        == [
            "tamtru-demo",
            "evn-demo",
        ]
    )
    assert partners == 2
    assert tamtru.usable and tamtru.partner_name == "Cổng Dịch vụ công (demo)"
    assert tamtru.partner_kind == "public_service" and tamtru.level == 2
    assert secret_matches(cipher, tamtru, "tamtru-demo-secret")
    assert tamtru.redirect_uris == ("http://127.0.0.1:8100/auth/callback",)
    assert tamtru.post_logout_redirect_uris == ("http://127.0.0.1:8100/",)
    assert tamtru.scopes == (
        "openid",
        "profile",
        "address",
        "phone",
        "email",
        "identity",
        "residence",
    )
    assert tamtru.required_claims == (
        "name",
        "birthdate",
        "dinhdanh_personal_id",
        "dinhdanh_permanent_residence",
    )
    assert tamtru.grant_types == ("authorization_code", "refresh_token")
    assert evn.usable and evn.grant_types == ("client_credentials",)
    assert secret_matches(cipher, evn, "evn-demo-secret")
    assert seeded[0].redirect_uri == "http://127.0.0.1:8100/auth/callback"
    assert seeded[1].redirect_uri == ""


async def test_no_demo_partners_beside_real_ones(app, db):
    async with db.unit_of_work() as session:
        await register_partner(
            session,
            actor=Principal.system("test"),
            data=NewPartner("Ngân hàng A", "bank", "0100000001", "a@bank.example.vn"),
        )
        assert await ensure_demo_partners(session, cipher=app.state.cipher) == []
        assert await load_client(session, "tamtru-demo") is None
