"""Passkeys through the JSON endpoints the browser script calls, with a software
authenticator written here: a real P-256 key, a 'none' attestation in CBOR, and signed
assertions, checked by the server with the `webauthn` library."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import cbor2
import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from dinhdanh.accounts import locks, service
from dinhdanh.accounts.models import Account, Passkey
from dinhdanh.accounts.passkeys import expected_origins
from dinhdanh.accounts.signin import citizen_actor
from dinhdanh.platform import i18n
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from tests.factories.accounts import PASSWORD, Holder, create_holder, last_sms, sign_in_web

UP, UV, AT = 0x01, 0x04, 0x40


@pytest.fixture(autouse=True)
def english_notices() -> Iterator[None]:
    """Services called outside a request (the factories) write in English too."""
    token = i18n.set_language("en")
    yield
    i18n._current.reset(token)


@dataclass
class SoftAuthenticator:
    """A platform authenticator in software: one resident P-256 credential."""

    rp_id: str = "localhost"
    origin: str = "http://localhost:8000"
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    user_handle: bytes | None = None
    sign_count: int = 0

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps(data, separators=(",", ":")).encode()

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def create(self, options: dict, *, origin: str | None = None) -> dict:
        """navigator.credentials.create() with a 'none' attestation."""
        assert options["rp"]["id"] == self.rp_id
        self.user_handle = base64url_to_bytes(options["user"]["id"])
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([UP | UV | AT])
            + self.sign_count.to_bytes(4, "big")
            + bytes(16)  # AAGUID
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        cid = bytes_to_base64url(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            },
        }

    def get(self, options: dict, *, verified: bool = True, origin: str | None = None) -> dict:
        """navigator.credentials.get(): a signed assertion."""
        allowed = [c["id"] for c in options.get("allowCredentials") or []]
        assert not allowed or bytes_to_base64url(self.credential_id) in allowed
        self.sign_count += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = (
            hashlib.sha256(self.rp_id.encode()).digest()
            + bytes([UP | (UV if verified else 0)])
            + self.sign_count.to_bytes(4, "big")
        )
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        cid = bytes_to_base64url(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": bytes_to_base64url(self.user_handle or b""),
            },
        }


async def _register(
    client: httpx.AsyncClient, device: SoftAuthenticator, name: str = "Điện thoại của tôi"
) -> httpx.Response:
    got = await client.post("/me/passkeys/register/options", json={"password": PASSWORD})
    assert got.status_code == 200, got.text
    return await client.post(
        "/me/passkeys/register",
        json={"credential": device.create(got.json()["options"]), "name": name},
    )


async def _passkey_sign_in(
    client: httpx.AsyncClient, device: SoftAuthenticator, mode: str = "signin", **get: object
) -> httpx.Response:
    got = await client.post("/me/login/passkey/options", json={"mode": mode})
    assert got.status_code == 200, got.text
    assertion = device.get(got.json()["options"], **get)
    return await client.post(
        "/me/login/passkey", json={"mode": mode, "credential": assertion, "next": "/me/profile"}
    )


async def _holder_with_passkey(client, db, app) -> tuple[Holder, SoftAuthenticator]:
    """A holder who registered a passkey on this device, then signed out."""
    holder = await create_holder(db, app)
    device = SoftAuthenticator()
    await sign_in_web(client, holder)
    await _register(client, device)
    await client.post("/me/logout")
    return holder, device


async def _change_account(
    db, app, holder, work: Callable[..., Awaitable[object]], actor: Callable[[Account], Principal]
) -> None:
    """Run an account service on the holder's account outside any request."""
    async with db.unit_of_work() as session:
        account = await session.get(Account, holder.account_id)
        await work(
            session=session, tools=app.state.account_tools, actor=actor(account), account=account
        )


async def _actions(db, citizen_id) -> list[tuple[str, dict]]:
    async with db.unit_of_work() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.data)
            .where(AuditEvent.citizen_id == citizen_id)
            .order_by(AuditEvent.id)
        )
        return [tuple(r) for r in rows]


async def _passkeys(db, holder) -> list[Passkey]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(select(Passkey).where(Passkey.account_id == holder.account_id))
        found = list(rows)
        for p in found:
            session.expunge(p)
        return found


def test_origins_accept_the_localhost_twin():
    def settings(url: str) -> SimpleNamespace:
        scheme, rest = url.split("://", 1)
        return SimpleNamespace(public_origin=f"{scheme}://{rest.split('/', 1)[0]}")

    assert expected_origins(settings("http://127.0.0.1:8000")) == [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
    ]
    assert expected_origins(settings("http://localhost:9001/")) == [
        "http://localhost:9001",
        "http://127.0.0.1:9001",
    ]
    assert expected_origins(settings("https://id.example.vn")) == ["https://id.example.vn"]


async def test_register_a_passkey_after_the_password(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    wrong = await client.post("/me/passkeys/register/options", json={"password": "nope-nope"})
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "The password is incorrect."

    got = await client.post("/me/passkeys/register/options", json={"password": PASSWORD})
    options = got.json()["options"]
    assert options["rp"]["id"] == "localhost"
    assert options["user"]["name"] == holder.personal_id
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["excludeCredentials"] == []
    assert got.json()["failed"]

    device = SoftAuthenticator()
    done = await client.post(
        "/me/passkeys/register",
        json={"credential": device.create(options), "name": "  Điện   thoại  "},
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"next": "/me/security?done=passkey_added#passkeys"}
    page = await client.get(done.json()["next"])
    assert "The passkey was added." in page.text
    assert '<td class="passkey-name">Điện thoại</td>' in page.text
    assert page.text.count('<code class="secret">') == 10  # first factor: recovery codes
    assert 'passkey ("Điện thoại") was added' in await last_sms(db, holder.phone)
    [stored] = await _passkeys(db, holder)
    assert stored.credential_id == bytes_to_base64url(device.credential_id)
    assert stored.transports == "internal"
    added = [d for a, d in await _actions(db, holder.citizen_id) if a == "account.passkey_added"]
    assert added == [
        {"passkey": str(stored.id), "name": "Điện thoại", "recovery_codes_generated": 10}
    ]

    # The challenge answered once; and the next options exclude the registered passkey.
    replay = await client.post(
        "/me/passkeys/register", json={"credential": device.create(options), "name": "Again"}
    )
    assert replay.status_code == 400
    assert "expired" in replay.json()["detail"]
    again = await client.post("/me/passkeys/register/options", json={"password": PASSWORD})
    assert [c["id"] for c in again.json()["options"]["excludeCredentials"]] == [
        stored.credential_id
    ]


async def test_a_passkey_from_another_site_is_refused(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    got = await client.post("/me/passkeys/register/options", json={"password": PASSWORD})
    credential = SoftAuthenticator().create(got.json()["options"], origin="https://evil.example")
    refused = await client.post(
        "/me/passkeys/register", json={"credential": credential, "name": "Phone"}
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == "The passkey could not be registered. Try again."
    assert await _passkeys(db, holder) == []


async def test_the_passkey_alone_signs_in(client, db, app):
    holder, device = await _holder_with_passkey(client, db, app)
    assert (await client.get("/me")).status_code == 303

    got = await client.post("/me/login/passkey/options", json={"mode": "signin"})
    assert got.json()["options"]["allowCredentials"] == []  # any of this site's passkeys
    assert got.json()["options"]["userVerification"] == "required"
    assertion = device.get(got.json()["options"])
    signed = await client.post(
        "/me/login/passkey", json={"mode": "signin", "credential": assertion, "next": "/me/profile"}
    )
    assert signed.status_code == 200, signed.text
    assert signed.json() == {"next": "/me/profile"}
    home = await client.get("/me")
    assert home.status_code == 200
    assert holder.personal_id in home.text
    [stored] = await _passkeys(db, holder)
    assert stored.sign_count == 1
    assert stored.last_used_at is not None
    signed_in = [d for a, d in await _actions(db, holder.citizen_id) if a == "account.signed_in"]
    assert signed_in[-1]["method"] == "passkey"

    # The same assertion a second time (a replay) signs no one in.
    await client.post("/me/logout")
    replay = await client.post(
        "/me/login/passkey", json={"mode": "signin", "credential": assertion}
    )
    assert replay.status_code == 400
    assert (await client.get("/me")).status_code == 303


async def test_without_user_verification_the_passkey_is_refused(client, db, app):
    holder, device = await _holder_with_passkey(client, db, app)
    refused = await _passkey_sign_in(client, device, verified=False)
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("The passkey was not accepted.")
    assert (await client.get("/me")).status_code == 303
    failed = [d for a, d in await _actions(db, holder.citizen_id) if a == "account.sign_in_failed"]
    assert failed[-1] == {"step": "passkey", "reason": "bad_assertion", "channel": "web"}


async def test_an_unknown_passkey_is_refused(client, db, app):
    stranger = SoftAuthenticator()
    stranger.user_handle = os.urandom(16)
    refused = await _passkey_sign_in(client, stranger)
    assert refused.status_code == 401
    assert refused.json()["type"].endswith("/passkey-not-accepted")


async def test_when_the_passkey_alone_is_not_allowed_it_is_the_second_factor(client, db, app):
    holder = await create_holder(db, app)
    device = SoftAuthenticator()
    await sign_in_web(client, holder)
    await _register(client, device)
    await client.post("/me/security/passkey-sign-in", data={"allowed": "0", "password": PASSWORD})
    await client.post("/me/logout")

    alone = await _passkey_sign_in(client, device)
    assert alone.status_code == 401
    assert "does not allow signing in with a passkey alone" in alone.json()["detail"]
    assert (await client.get("/me")).status_code == 303

    step = await sign_in_web(client, holder)
    assert step.headers["location"] == "/me/login/verify"
    verify_page = await client.get("/me/login/verify")
    assert 'id="passkey-verify"' in verify_page.text
    got = await client.post("/me/login/passkey/options", json={"mode": "verify"})
    allowed = [c["id"] for c in got.json()["options"]["allowCredentials"]]
    assert allowed == [bytes_to_base64url(device.credential_id)]
    done = await client.post(
        "/me/login/passkey",
        json={"mode": "verify", "credential": device.get(got.json()["options"]), "next": ""},
    )
    assert done.json() == {"next": "/me"}
    assert (await client.get("/me")).status_code == 200


async def test_a_sign_in_challenge_does_not_serve_the_second_step(client, db, app):
    holder, device = await _holder_with_passkey(client, db, app)
    await sign_in_web(client, holder)  # now at the second step
    got = await client.post("/me/login/passkey/options", json={"mode": "signin"})
    mixed = await client.post(
        "/me/login/passkey",
        json={"mode": "verify", "credential": device.get(got.json()["options"])},
    )
    assert mixed.status_code == 400
    assert (await client.get("/me")).status_code == 303


async def test_a_passkey_alone_does_not_undo_a_panic_lock(client, db, app):
    """A stolen phone with its passkey must not unlock: password and second factor do."""
    holder, device = await _holder_with_passkey(client, db, app)
    await _change_account(
        db, app, holder, locks.panic_lock, lambda account: citizen_actor(account, ip=None)
    )
    signed = await _passkey_sign_in(client, device)
    assert signed.status_code == 401
    assert signed.json()["type"].endswith("passkey-account-locked")
    assert (await client.get("/me/unlock")).headers["location"] == "/me/login"
    assert (await client.get("/me")).status_code == 303


async def test_remove_a_passkey_with_the_password(client, db, app):
    holder = await create_holder(db, app)
    device = SoftAuthenticator()
    await sign_in_web(client, holder)
    await _register(client, device, name="Laptop")
    [stored] = await _passkeys(db, holder)
    wrong = await client.post(f"/me/passkeys/{stored.id}/delete", data={"password": "nope-nope"})
    assert wrong.status_code == 403
    assert len(await _passkeys(db, holder)) == 1
    someone_elses = await client.post(
        "/me/passkeys/00000000-0000-0000-0000-000000000000/delete", data={"password": PASSWORD}
    )
    assert someone_elses.status_code == 404

    removed = await client.post(f"/me/passkeys/{stored.id}/delete", data={"password": PASSWORD})
    assert removed.headers["location"].startswith("/me/security?done=passkey_removed")
    assert await _passkeys(db, holder) == []
    assert 'passkey "Laptop" was removed' in await last_sms(db, holder.phone)
    await client.post("/me/logout")
    refused = await _passkey_sign_in(client, device)
    assert refused.status_code == 401


async def test_malformed_credentials_get_an_answer_not_an_error(client, db, app):
    holder = await create_holder(db, app)
    await sign_in_web(client, holder)
    garbage = [
        {"id": "x"},
        {"id": "AA", "rawId": "AA", "type": "public-key", "response": "no"},
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {
                "clientDataJSON": "!!notbase64!!",
                "authenticatorData": "AA",
                "signature": "AA",
                "attestationObject": "AA",
            },
        },
    ]
    for credential in garbage:
        signing = await client.post(
            "/me/login/passkey", json={"mode": "signin", "credential": credential}
        )
        assert signing.status_code in (400, 401), signing.text
        assert signing.headers["content-type"] == "application/problem+json"
        adding = await client.post(
            "/me/passkeys/register", json={"credential": credential, "name": "Phone"}
        )
        assert adding.status_code == 400, adding.text
    assert await _passkeys(db, holder) == []


async def test_after_a_new_initial_password_the_passkey_alone_waits(client, db, app):
    holder, device = await _holder_with_passkey(client, db, app)
    await _change_account(
        db, app, holder, service.send_initial_password, lambda _: Principal.system("test")
    )
    refused = await _passkey_sign_in(client, device)
    assert refused.status_code == 401
    assert "password from the SMS first" in refused.json()["detail"]
    assert (await client.get("/me")).status_code == 303
