"""A partner's clients over the API: settings checked before anything is written, the
secret shown once and rotated with a grace period, keys for private_key_jwt, disable and
enable, usage."""

from __future__ import annotations

import re
import warnings

import pytest
from joserfc.jwk import RSAKey

from dinhdanh.partners import usage
from dinhdanh.partners.clients import secret_matches
from tests.partners.conftest import sign_in_admin
from tests.partners.support import (
    API,
    CLIENT,
    add_client,
    approved_partner,
    audit_actions,
    counts,
    key,
    private_jwk,
    public_jwk,
    relying_party,
)

PROBLEMS = "https://dinhdanh.example/problems/"


async def test_a_client_gets_an_opaque_id_and_a_secret_shown_once(admin, app, db):
    partner = await approved_partner(admin)
    headers = key()
    created = await admin.post(f"{API}/{partner['id']}/clients", json=CLIENT, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert re.fullmatch(r"dd-[0-9a-f]{16}", body["client_id"])
    secret = body["client_secret"]
    assert len(secret) >= 43  # 256 bits, URL-safe
    assert body["secret_rotated_at"] and body["previous_secret_expires_at"] is None

    # Never again: not in the client, not in the partner, not in the audit log.
    shown = await admin.get(f"{API}/{partner['id']}/clients/{body['client_id']}")
    listed = await admin.get(f"{API}/{partner['id']}")
    assert secret not in shown.text and secret not in listed.text
    assert [c["client_id"] for c in listed.json()["clients"]] == [body["client_id"]]
    assert "client_secret" not in shown.json()

    # A retry with the same key is the same answer (no second client).
    retry = await admin.post(f"{API}/{partner['id']}/clients", json=CLIENT, headers=headers)
    assert retry.json() == body
    assert await counts(db) == (1, 1)

    rp = await relying_party(db, body["client_id"])
    assert rp.usable and rp.level == 2 and rp.scopes == ("openid", "profile", "residence")
    assert secret_matches(app.state.cipher, rp, secret)
    assert not secret_matches(app.state.cipher, rp, secret[:-1] + "x")
    assert await audit_actions(db, "partner.client") == ["partner.client_created"]


async def test_rotation_keeps_the_previous_secret_for_the_grace_period(admin, app, db, frozen):
    partner = await approved_partner(admin)
    client = await add_client(admin, partner["id"])
    url = f"{API}/{partner['id']}/clients/{client['client_id']}/rotate-secret"
    assert (await admin.post(url)).status_code == 428
    rotated = await admin.post(url, headers=key())
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["client_secret"]
    old = client["client_secret"]
    assert new != old
    assert rotated.json()["previous_secret_expires_at"].startswith("2026-03-11T02:00:00")

    cipher = app.state.cipher
    rp = await relying_party(db, client["client_id"])
    assert secret_matches(cipher, rp, new) and secret_matches(cipher, rp, old)
    frozen.advance(hours=23, minutes=59)
    assert secret_matches(cipher, rp, old)
    frozen.advance(minutes=1)
    assert not secret_matches(cipher, rp, old)
    assert secret_matches(cipher, rp, new)

    # A second rotation: the first secret is gone at once, the second has its grace.
    await sign_in_admin(admin, app)
    newer = (await admin.post(url, headers=key())).json()["client_secret"]
    rp = await relying_party(db, client["client_id"])
    assert [secret_matches(cipher, rp, s) for s in (old, new, newer)] == [False, True, True]
    actions = await audit_actions(db, "partner.client")
    assert actions.count("partner.client_secret_rotated") == 2


async def test_without_a_grace_period_the_previous_secret_stops_at_once(admin, app, db):
    app.state.settings = app.state.settings.model_copy(update={"client_secret_grace_hours": 0})
    partner = await approved_partner(admin)
    client = await add_client(admin, partner["id"])
    url = f"{API}/{partner['id']}/clients/{client['client_id']}/rotate-secret"
    new = (await admin.post(url, headers=key())).json()["client_secret"]
    rp = await relying_party(db, client["client_id"])
    assert not secret_matches(app.state.cipher, rp, client["client_secret"])
    assert secret_matches(app.state.cipher, rp, new)


BAD_SETTINGS = [
    ({"redirect_uris": ["http://dichvucong.example.vn/cb"]}, "redirect_uris"),
    ({"redirect_uris": ["https://dichvucong.example.vn/cb#frag"]}, "redirect_uris"),
    ({"redirect_uris": ["https://*.example.vn/cb"]}, "redirect_uris"),
    ({"redirect_uris": ["/callback"]}, "redirect_uris"),
    ({"post_logout_redirect_uris": ["javascript:alert(1)"]}, "post_logout_redirect_uris"),
    ({"redirect_uris": []}, "redirect_uris"),
    ({"grant_types": ["refresh_token"]}, "grant_types"),
    ({"grant_types": ["client_credentials", "authorization_code"]}, "grant_types"),
    ({"grant_types": ["implicit"]}, "grant_types"),
    ({"scopes": ["openid", "everything"]}, "scopes"),
    ({"scopes": ["profile"], "required_claims": ["name"]}, "scopes"),
    ({"required_claims": ["dinhdanh_personal_id"]}, "required_claims"),
    ({"level": 3}, "level"),
    ({"access_token_seconds": 59}, "access_token_seconds"),
    ({"id_token_seconds": 7200}, "id_token_seconds"),
    ({"refresh_token_seconds": 91 * 24 * 3600}, "refresh_token_seconds"),
    ({"refresh_token_seconds": 0}, "refresh_token_seconds"),
    ({"auth_method": "none"}, "auth_method"),
    ({"auth_method": "private_key_jwt"}, "jwks"),
    ({"jwks": {"keys": [public_jwk()]}}, "jwks"),
    ({"name": " "}, "name"),
    ({"purpose": "short"}, "purpose"),
]


@pytest.mark.parametrize(("change", "field"), BAD_SETTINGS)
async def test_bad_settings_are_refused_and_nothing_is_written(admin, db, change, field):
    partner = await approved_partner(admin)
    response = await admin.post(
        f"{API}/{partner['id']}/clients", json={**CLIENT, **change}, headers=key()
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == PROBLEMS + "validation-error"
    assert field in {e["field"] for e in response.json()["errors"]}
    assert await counts(db) == (1, 0)
    assert await audit_actions(db, "partner.client") == []


BAD_KEYS = [
    ({"keys": [private_jwk()]}, "private key material"),
    ({"keys": [{k: v for k, v in public_jwk().items() if k != "kid"}]}, "kid"),
    ({"keys": [public_jwk(kid="a"), public_jwk(kid="a")]}, "used twice"),
    ({"keys": [public_jwk(crv="P-384")]}, "EC P-256"),
    ({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]}, "private key material"),
    ({"keys": [{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA", "kid": "b"}]}, "valid"),
    ({"keys": [public_jwk(use="enc")]}, "signatures"),
    ({"keys": []}, "1 to 10"),
    ({"not": "a key set"}, "JWK Set"),
]


@pytest.mark.parametrize(("jwks", "reason"), BAD_KEYS)
async def test_private_key_jwt_accepts_only_public_signing_keys(admin, db, jwks, reason):
    partner = await approved_partner(admin)
    body = {**CLIENT, "auth_method": "private_key_jwt", "jwks": jwks}
    response = await admin.post(f"{API}/{partner['id']}/clients", json=body, headers=key())
    assert response.status_code == 422, response.text
    messages = [e["message"] for e in response.json()["errors"] if e["field"] == "jwks"]
    assert any(reason in m for m in messages), messages
    assert await counts(db) == (1, 0)


async def test_a_small_rsa_key_is_refused(admin):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc warns about the small key we want
        small = {**RSAKey.generate_key(1024).as_dict(private=False), "kid": "old"}
    partner = await approved_partner(admin)
    body = {**CLIENT, "auth_method": "private_key_jwt", "jwks": {"keys": [small]}}
    response = await admin.post(f"{API}/{partner['id']}/clients", json=body, headers=key())
    assert response.status_code == 422
    assert "2048 bits" in response.json()["errors"][0]["message"]


async def test_a_client_with_keys_has_no_secret(admin, app, db):
    partner = await approved_partner(admin)
    jwks = {"keys": [public_jwk("EC", "ec-1"), public_jwk("RSA", "rsa-1", alg="RS256")]}
    client = await add_client(admin, partner["id"], auth_method="private_key_jwt", jwks=jwks)
    assert client["client_secret"] is None
    assert client["jwks_kids"] == ["ec-1", "rsa-1"]
    rp = await relying_party(db, client["client_id"])
    assert rp.secret_digest is None and rp.jwks == jwks
    rotate = await admin.post(
        f"{API}/{partner['id']}/clients/{client['client_id']}/rotate-secret", headers=key()
    )
    assert rotate.status_code == 409
    assert rotate.json()["type"] == PROBLEMS + "client-has-no-secret"


async def test_an_api_client_uses_client_credentials_alone(admin, db):
    partner = await approved_partner(admin, kind="biller", registration_code="0100100079")
    client = await add_client(
        admin,
        partner["id"],
        name="Thanh toán tiền điện",
        purpose="Tra cứu hoá đơn và xác nhận thanh toán.",
        redirect_uris=[],
        post_logout_redirect_uris=[],
        scopes=[],
        required_claims=[],
        grant_types=["client_credentials"],
        refresh_token_seconds=0,
    )
    assert client["grant_types"] == ["client_credentials"] and client["client_secret"]
    with_scopes = await admin.post(
        f"{API}/{partner['id']}/clients",
        json={
            **CLIENT,
            "redirect_uris": [],
            "post_logout_redirect_uris": [],
            "grant_types": ["client_credentials"],
        },
        headers=key(),
    )
    assert with_scopes.status_code == 422
    assert {e["field"] for e in with_scopes.json()["errors"]} == {"scopes"}


async def test_changing_a_client_checks_every_rule_again(admin, app, db):
    partner = await approved_partner(admin)
    client = await add_client(admin, partner["id"])
    url = f"{API}/{partner['id']}/clients/{client['client_id']}"
    cipher = app.state.cipher

    bad = await admin.patch(url, json={"redirect_uris": ["https://example.vn/*"]})
    assert bad.status_code == 422
    moved = await admin.patch(url, json={"redirect_uris": ["https://moi.example.vn/cb"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["redirect_uris"] == ["https://moi.example.vn/cb"]
    assert moved.json()["client_secret"] is None

    to_keys = await admin.patch(
        url, json={"auth_method": "private_key_jwt", "jwks": {"keys": [public_jwk()]}}
    )
    assert to_keys.status_code == 200, to_keys.text
    rp = await relying_party(db, client["client_id"])
    assert not secret_matches(cipher, rp, client["client_secret"])

    back = await admin.patch(url, json={"auth_method": "client_secret_basic"})
    assert back.status_code == 200, back.text
    secret = back.json()["client_secret"]
    assert secret and back.json()["jwks"] is None
    rp = await relying_party(db, client["client_id"])
    assert secret_matches(cipher, rp, secret)
    assert (await admin.patch(url, json={})).json()["client_secret"] is None
    actions = await audit_actions(db, "partner.client")
    assert actions == ["partner.client_created"] + ["partner.client_updated"] * 3


async def test_disable_and_enable(admin, db):
    partner = await approved_partner(admin)
    client = await add_client(admin, partner["id"])
    url = f"{API}/{partner['id']}/clients/{client['client_id']}"
    disabled = await admin.post(f"{url}/disable")
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert not (await relying_party(db, client["client_id"])).usable
    assert (await admin.post(f"{url}/disable")).status_code == 200  # nothing more happens
    enabled = await admin.post(f"{url}/enable")
    assert enabled.json()["active"] is True
    assert (await relying_party(db, client["client_id"])).usable
    assert await audit_actions(db, "partner.client_") == [
        "partner.client_created",
        "partner.client_disabled",
        "partner.client_enabled",
    ]
    other = await approved_partner(admin, registration_code="0100000099")
    elsewhere = f"{API}/{other['id']}/clients/{client['client_id']}"
    assert (await admin.get(elsewhere)).status_code == 404
    assert (await admin.post(f"{elsewhere}/disable")).status_code == 404


async def test_a_client_of_a_suspended_partner_is_not_usable(admin, db):
    partner = await approved_partner(admin)
    client = await add_client(admin, partner["id"])
    await admin.post(f"{API}/{partner['id']}/suspend", json={"reason": "Kiểm tra an ninh"})
    assert not (await relying_party(db, client["client_id"])).usable


async def test_usage_is_shown_with_the_client(admin, app, frozen):
    partner = await approved_partner(admin)
    client = await add_client(admin, partner["id"])
    kv = app.state.kv
    for _ in range(3):
        await usage.count(kv, client["client_id"], "token")
    frozen.advance(days=1)
    await usage.count(kv, client["client_id"], "userinfo")
    await sign_in_admin(admin, app)
    shown = await admin.get(f"{API}/{partner['id']}/clients/{client['client_id']}")
    body = shown.json()["usage"]
    assert len(body["days"]) == 30 and body["days"][-1] == "2026-03-11"
    assert body["counts"]["token"][-2:] == [3, 0]
    assert body["totals"] == {**dict.fromkeys(usage.USAGE_KINDS, 0), "token": 3, "userinfo": 1}
