"""Signing keys: made on first use, published without their private part, rotated with
the retired key still published (and its tokens verifiable) until `published_until`."""

from __future__ import annotations

import datetime as dt

import pytest
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from typer.testing import CliRunner

from dinhdanh.cli import app as cli
from dinhdanh.oidc.keys import PUBLISH_SECONDS, InvalidIdToken, verify_id_token
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from tests.oidc.conftest import sign_in_tokens

ISSUER = "http://127.0.0.1:8000"


async def published(http) -> KeySet:
    return KeySet.import_key_set((await http.get("/oidc/jwks")).json())


def kid_of(token: str) -> str:
    return jws.extract_compact(token.encode()).headers()["kid"]


async def test_the_first_key_is_made_on_first_use_and_published_without_its_private_part(
    db, client
):
    response = await client.get("/oidc/jwks")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) == 1
    (key,) = keys
    assert key["kty"] == "EC" and key["crv"] == "P-256"
    assert key["alg"] == "ES256" and key["use"] == "sig" and key["kid"]
    assert "d" not in key
    assert (await client.get("/oidc/jwks")).json() == response.json()
    async with db.unit_of_work() as session:
        created = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "oidc.signing_key.created")
        )
    assert created is not None and created.subject_id == key["kid"]


async def test_a_token_of_the_retired_key_verifies_until_published_until(
    db, app, client, oidc_client, holder, moving_clock
):
    before = await sign_in_tokens(db, app, client, oidc_client, holder)
    old_kid = kid_of(before["id_token"])
    rotation = await app.state.oidc_keys.rotate(actor=Principal.system("test"))
    assert rotation.retired_kids == (old_kid,)
    assert rotation.published_until == moving_clock.now() + dt.timedelta(seconds=PUBLISH_SECONDS)

    after = await sign_in_tokens(db, app, client, oidc_client, holder)
    assert kid_of(after["id_token"]) == rotation.new_kid != old_kid
    keys = await published(client)
    assert {k.kid for k in keys} == {old_kid, rotation.new_kid}
    for tokens in (before, after):
        assert jwt.decode(tokens["id_token"], keys, algorithms=["ES256"]).claims["iss"] == ISSUER
    async with db.unit_of_work() as session:
        claims = await verify_id_token(session, before["id_token"], issuer=ISSUER)
    assert claims["aud"] == oidc_client.client_id

    moving_clock.advance(seconds=PUBLISH_SECONDS - 1)
    assert {k.kid for k in await published(client)} == {old_kid, rotation.new_kid}
    moving_clock.advance(seconds=2)
    keys = await published(client)
    assert {k.kid for k in keys} == {rotation.new_kid}
    with pytest.raises((JoseError, ValueError)):
        jwt.decode(before["id_token"], keys, algorithms=["ES256"])
    async with db.unit_of_work() as session:
        with pytest.raises(InvalidIdToken):
            await verify_id_token(session, before["id_token"], issuer=ISSUER)
        await verify_id_token(session, after["id_token"], issuer=ISSUER)


async def test_a_rotation_is_audited(db, app):
    rotation = await app.state.oidc_keys.rotate(actor=Principal.system("cli"))
    async with db.unit_of_work() as session:
        event = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "oidc.signing_key.rotated")
        )
    assert event is not None and event.actor_id == "cli"
    assert event.subject_id == rotation.new_kid


async def test_verify_id_token_checks_issuer_audience_expiry_and_signature(
    db, app, client, oidc_client, holder, moving_clock
):
    token = (await sign_in_tokens(db, app, client, oidc_client, holder))["id_token"]
    async with db.unit_of_work() as session:
        assert (
            await verify_id_token(session, token, issuer=ISSUER, audience=oidc_client.client_id)
        )["aud"] == oidc_client.client_id
        with pytest.raises(InvalidIdToken):
            await verify_id_token(session, token, issuer=ISSUER, audience="another-client")
        with pytest.raises(InvalidIdToken):
            await verify_id_token(session, token, issuer="https://elsewhere.example")
        header, payload, signature = token.split(".")
        forged = f"{header}.{payload}.{signature[:-4]}AAAA"
        with pytest.raises(InvalidIdToken):
            await verify_id_token(session, forged, issuer=ISSUER)
        with pytest.raises(InvalidIdToken):
            await verify_id_token(session, "not.a.token", issuer=ISSUER)
    moving_clock.advance(seconds=601)
    async with db.unit_of_work() as session:
        # Expired: still a valid hint for logout, not for anything else.
        assert await verify_id_token(session, token, issuer=ISSUER)
        with pytest.raises(InvalidIdToken):
            await verify_id_token(session, token, issuer=ISSUER, allow_expired=False)


def test_the_cli_rotates_and_lists_the_keys(tmp_path, monkeypatch):
    for key in ("DINHDANH_DATABASE_URL", "DINHDANH_REDIS_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DINHDANH_DATA_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    first = runner.invoke(cli, ["oidc-keys", "rotate"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli, ["oidc-keys", "rotate"])
    assert second.exit_code == 0, second.output
    assert "Retired" in second.output and "published until" in second.output
    listing = runner.invoke(cli, ["oidc-keys", "list"], terminal_width=200)
    assert listing.exit_code == 0, listing.output
    assert listing.output.count("current") == 1
    assert listing.output.count("published") >= 2  # the status and the column heading
