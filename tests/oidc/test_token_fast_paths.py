"""What the token endpoint's hot paths must keep while they skip work: a client is taken
from the process's short cache but a change made through the partners service reaches it
at once; a refresh that cannot be answered leaves its token usable; the token responses
carry no CSRF cookie (pages on the same exempt prefixes still do)."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select

from dinhdanh.oidc.models import RefreshToken
from dinhdanh.partners import clients as clients_module
from dinhdanh.partners import relying_parties
from dinhdanh.partners.clients import RelyingParties, forget_cached_clients
from dinhdanh.partners.models import PartnerClient
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from tests.oidc.conftest import basic, sign_in_tokens
from tests.oidc.test_tokens_client_credentials import api_client

CC = {"grant_type": "client_credentials"}
ADMIN = Principal.system("test")


async def test_a_known_client_is_read_once_then_taken_from_the_cache(db, app, client, monkeypatch):
    rp = await api_client(db, app)
    reads = []
    real = clients_module.load_client

    async def counting(executor, client_id):
        reads.append(client_id)
        return await real(executor, client_id)

    monkeypatch.setattr(clients_module, "load_client", counting)
    for _ in range(3):
        response = await client.post("/oidc/token", data=CC, headers=basic(rp))
        assert response.status_code == 200, response.text
    assert reads == [rp.client_id]


async def test_a_rotated_secret_and_a_disabled_client_are_refused_at_once(db, app, client):
    rp = await api_client(db, app)
    assert (await client.post("/oidc/token", data=CC, headers=basic(rp))).status_code == 200
    async with db.unit_of_work() as session:
        issued = await relying_parties.rotate_secret(
            session,
            actor=ADMIN,
            cipher=app.state.cipher,
            partner_id=rp.partner_id,
            client_id=rp.client_id,
            grace=dt.timedelta(0),
        )
    old = await client.post("/oidc/token", data=CC, headers=basic(rp))
    assert old.status_code == 401 and old.json()["error"] == "invalid_client"
    new = basic(rp, issued.secret)
    assert (await client.post("/oidc/token", data=CC, headers=new)).status_code == 200

    async with db.unit_of_work() as session:
        await relying_parties.set_client_active(
            session, actor=ADMIN, partner_id=rp.partner_id, client_id=rp.client_id, active=False
        )
    assert (await client.post("/oidc/token", data=CC, headers=new)).status_code == 401


async def test_the_cache_holds_for_its_period_and_forgets_on_demand(db, app):
    rp = await api_client(db, app)
    cache = RelyingParties(db, seconds=3600)
    assert (await cache.get(rp.client_id)).active
    async with db.unit_of_work() as session:  # a change behind the service's back
        (await session.get(PartnerClient, rp.client_id)).active = False
    assert (await cache.get(rp.client_id)).active  # still the copy it read
    assert not (await RelyingParties(db, seconds=0).get(rp.client_id)).active
    forget_cached_clients()
    assert not (await cache.get(rp.client_id)).active
    assert await cache.get("no-such-client") is None


async def test_a_refresh_asking_a_wider_scope_leaves_its_token_usable(
    db, app, client, oidc_client, holder
):
    first = await sign_in_tokens(db, app, client, oidc_client, holder, scopes=["openid", "profile"])
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    wider = await client.post(
        "/oidc/token", data={**form, "scope": "openid profile phone"}, headers=basic(oidc_client)
    )
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    again = await client.post("/oidc/token", data=form, headers=basic(oidc_client))
    assert again.status_code == 200, again.text
    assert await _revocations(db) == 0


async def test_a_refresh_whose_answer_fails_is_undone(db, app, client, oidc_client, holder):
    first = await sign_in_tokens(db, app, client, oidc_client, holder)
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    kv = app.state.kv
    real = kv.set_and_incr

    async def failing(*args, **kwargs):
        raise ConnectionError("the key-value store is down")

    kv.set_and_incr = failing
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        failed = await http.post("/oidc/token", data=form, headers=basic(oidc_client))
    assert failed.status_code == 500
    kv.set_and_incr = real
    async with db.unit_of_work() as session:
        rows = list(
            await session.scalars(
                select(RefreshToken).where(RefreshToken.client_id == oidc_client.client_id)
            )
        )
    assert len(rows) == 1 and rows[0].used_at is None  # the successor is gone
    again = await client.post("/oidc/token", data=form, headers=basic(oidc_client))
    assert again.status_code == 200, again.text
    assert await _revocations(db) == 0


async def test_token_answers_set_no_csrf_cookie_but_pages_of_exempt_paths_do(db, app):
    rp = await api_client(db, app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        token = await http.post("/oidc/token", data=CC, headers=basic(rp))
        assert token.status_code == 200
        assert "set-cookie" not in token.headers
        refused = await http.post("/oidc/token", data=CC)
        assert refused.status_code == 401 and "set-cookie" not in refused.headers
        page = await http.get("/oidc/authorize")  # an error page, under an exempt prefix
        assert page.headers["content-type"].startswith("text/html")
        assert "dd_csrf=" in page.headers.get("set-cookie", "")


async def _revocations(db) -> int:
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "oidc.tokens_revoked")
        )
        return len(list(rows))
