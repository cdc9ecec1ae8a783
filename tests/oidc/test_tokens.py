"""The token endpoint's authorization-code grant: a valid code yields one token set whose
ID token verifies against the JWKS and carries the consented claims; every way a code can
be wrong is refused."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from dinhdanh.oidc.claims import ACR_BY_LEVEL
from dinhdanh.oidc.issuance import at_hash
from dinhdanh.oidc.models import AuthorizationCode, RefreshToken
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.crypto import token_digest
from tests.factories.partners import create_relying_party
from tests.oidc.conftest import (
    basic,
    issue_test_code,
    new_verifier,
    redeem,
    sign_in_tokens,
)

ISSUER = "http://127.0.0.1:8000"


async def id_token_claims(http, token: str) -> dict:
    """Verify an ID token against the published JWKS, as a relying party does."""
    keys = KeySet.import_key_set((await http.get("/oidc/jwks")).json())
    return jwt.decode(token, keys, algorithms=["ES256"]).claims


async def test_a_code_yields_a_verifiable_id_token_and_the_data_comes_from_userinfo(
    db, app, client, oidc_client, holder
):
    verifier = new_verifier()
    code = await issue_test_code(
        db,
        app,
        oidc_client,
        holder,
        scopes=["openid", "profile", "identity"],
        claims=["sub", "name", "birthdate", "dinhdanh_personal_id"],
        nonce="n-42",
        verifier=verifier,
    )
    response = await redeem(client, oidc_client, code, verifier)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "openid profile identity"
    assert body["expires_in"] == 600
    assert body["refresh_token"] and body["access_token"]

    claims = await id_token_claims(client, body["id_token"])
    assert claims["iss"] == ISSUER
    assert claims["aud"] == oidc_client.client_id == claims["azp"]
    assert claims["nonce"] == "n-42"
    assert claims["acr"] == ACR_BY_LEVEL[2]
    assert claims["amr"] == ["pwd"]
    assert claims["sid"] == "sid-test"
    assert claims["at_hash"] == at_hash(body["access_token"])
    assert claims["exp"] - claims["iat"] == 600
    # The subject is pairwise: not the personal ID, not the registry id.
    assert claims["sub"] not in (holder.personal_id, str(holder.citizen_id))
    assert len(claims["sub"]) == 64
    # No personal data in the ID token (it travels back through browsers as a logout
    # hint): nothing released yet.
    assert holder.personal_id not in str(claims) and "name" not in claims
    async with db.unit_of_work() as session:
        released = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "oidc.claims_released")
        )
    assert released is None

    # The consented claims, and only those (no gender, no legacy ID though in scope).
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    info = (await client.get("/oidc/userinfo", headers=bearer)).json()
    assert info["sub"] == claims["sub"]
    assert info["dinhdanh_personal_id"] == holder.personal_id
    assert info["name"] == "Nguyễn Văn An"
    assert info["birthdate"] == "1990-05-17"
    assert "gender" not in info and "family_name" not in info
    async with db.unit_of_work() as session:
        event = await session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "oidc.claims_released",
                AuditEvent.citizen_id == holder.citizen_id,
            )
        )
    assert event is not None and event.actor_id == oidc_client.client_id
    assert event.data == {
        "client_id": oidc_client.client_id,
        "service": "Đăng ký tạm trú",
        "partner": "Cổng Dịch vụ công thử nghiệm",
        "claims": ["birthdate", "dinhdanh_personal_id", "name"],
    }
    assert holder.personal_id not in str(event.data)


async def test_the_subject_is_stable_per_partner_and_differs_between_partners(
    db, app, client, oidc_client, holder
):
    first = await sign_in_tokens(db, app, client, oidc_client, holder)
    again = await sign_in_tokens(db, app, client, oidc_client, holder)
    other = await create_relying_party(db, app, partner_name="Bệnh viện thử nghiệm")
    elsewhere = await sign_in_tokens(db, app, client, other, holder)
    subs = [
        (await id_token_claims(client, t["id_token"]))["sub"] for t in (first, again, elsewhere)
    ]
    assert subs[0] == subs[1] != subs[2]


async def test_a_wrong_client_secret_is_invalid_client_and_leaves_the_code_usable(
    db, app, client, oidc_client, holder
):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": oidc_client.redirect_uri,
        "code_verifier": verifier,
    }
    wrong = await client.post("/oidc/token", data=form, headers=basic(oidc_client, "guessed"))
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")
    assert wrong.headers["cache-control"] == "no-store"
    assert (await redeem(client, oidc_client, code, verifier)).status_code == 200


async def test_a_replayed_code_is_refused_and_revokes_the_tokens_it_gave(
    db, app, client, oidc_client, holder
):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    first = (await redeem(client, oidc_client, code, verifier)).json()
    bearer = {"Authorization": f"Bearer {first['access_token']}"}
    assert (await client.get("/oidc/userinfo", headers=bearer)).status_code == 200

    replay = await redeem(client, oidc_client, code, verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert (await client.get("/oidc/userinfo", headers=bearer)).status_code == 401
    refreshed = await client.post(
        "/oidc/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        headers=basic(oidc_client),
    )
    assert refreshed.json()["error"] == "invalid_grant"
    async with db.unit_of_work() as session:
        token = await session.get(RefreshToken, token_digest(first["refresh_token"]))
        revoked = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "oidc.tokens_revoked")
        )
    assert token is not None and token.revoked_at is not None
    assert revoked is not None and revoked.data["reason"] == "code_reused"


async def test_an_expired_code_is_refused(db, app, client, oidc_client, holder, moving_clock):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    moving_clock.advance(seconds=61)
    response = await redeem(client, oidc_client, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_a_code_is_good_until_its_sixtieth_second(
    db, app, client, oidc_client, holder, moving_clock
):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    moving_clock.advance(seconds=59)
    assert (await redeem(client, oidc_client, code, verifier)).status_code == 200


async def test_pkce_is_required(db, app, client, oidc_client, holder):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    missing = await redeem(client, oidc_client, code, None)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_grant"
    # Refused before the code was touched: the rightful client still redeems it.
    assert (await redeem(client, oidc_client, code, verifier)).status_code == 200


async def test_a_wrong_pkce_verifier_is_refused_and_spends_the_code(
    db, app, client, oidc_client, holder
):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    wrong = await redeem(client, oidc_client, code, new_verifier())
    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": "invalid_grant",
        "error_description": "PKCE verification failed",
    }
    assert (await redeem(client, oidc_client, code, verifier)).json()["error"] == "invalid_grant"


async def test_the_redirect_uri_must_be_the_one_of_the_authorization_request(
    db, app, client, oidc_client, holder
):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    response = await redeem(
        client, oidc_client, code, verifier, redirect_uri=oidc_client.redirect_uri + "/"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_a_code_issued_to_another_client_is_refused(db, app, client, oidc_client, holder):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    thief = await create_relying_party(db, app)
    response = await redeem(client, thief, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_an_unknown_code_is_invalid_grant(client, oidc_client):
    response = await redeem(client, oidc_client, "no-such-code", new_verifier())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_a_suspended_partner_is_invalid_client(db, app, client, holder):
    suspended = await create_relying_party(db, app, status="suspended")
    verifier = new_verifier()
    code = await issue_test_code(db, app, suspended, holder, verifier=verifier)
    response = await redeem(client, suspended, code, verifier)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_a_disabled_client_is_invalid_client(db, app, client, holder):
    disabled = await create_relying_party(db, app, active=False)
    verifier = new_verifier()
    code = await issue_test_code(db, app, disabled, holder, verifier=verifier)
    assert (await redeem(client, disabled, code, verifier)).json()["error"] == "invalid_client"


async def test_a_client_without_the_refresh_grant_gets_no_refresh_token(db, app, client, holder):
    rp = await create_relying_party(db, app, grant_types=["authorization_code"])
    body = await sign_in_tokens(db, app, client, rp, holder)
    assert "refresh_token" not in body and body["id_token"]
    async with db.unit_of_work() as session:
        assert (
            await session.scalar(select(RefreshToken).where(RefreshToken.client_id == rp.client_id))
            is None
        )


async def test_without_openid_there_is_no_id_token_and_no_release(db, app, client, holder):
    rp = await create_relying_party(db, app)
    body = await sign_in_tokens(db, app, client, rp, holder, scopes=["profile"])
    assert "id_token" not in body and body["scope"] == "profile"
    async with db.unit_of_work() as session:
        released = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "oidc.claims_released")
        )
    assert released is None


async def test_the_code_row_records_its_redemption(db, app, client, oidc_client, holder):
    verifier = new_verifier()
    code = await issue_test_code(db, app, oidc_client, holder, verifier=verifier)
    await redeem(client, oidc_client, code, verifier)
    async with db.unit_of_work() as session:
        row = await session.get(AuthorizationCode, token_digest(code))
    assert row is not None and row.redeemed_at is not None


async def test_only_form_bodies_are_accepted(client, oidc_client):
    response = await client.post(
        "/oidc/token",
        json={"grant_type": "client_credentials"},
        headers=basic(oidc_client),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.headers["cache-control"] == "no-store"


async def test_a_repeated_parameter_is_invalid_request(client, oidc_client):
    response = await client.post(
        "/oidc/token",
        content="grant_type=authorization_code&code=a&code=b",
        headers={**basic(oidc_client), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.json()["error"] == "invalid_request"


async def test_grant_types_are_checked(client, oidc_client):
    unknown = await client.post(
        "/oidc/token", data={"grant_type": "password"}, headers=basic(oidc_client)
    )
    assert unknown.json()["error"] == "unsupported_grant_type"
    unregistered = await client.post(
        "/oidc/token", data={"grant_type": "client_credentials"}, headers=basic(oidc_client)
    )
    assert unregistered.json()["error"] == "unauthorized_client"


async def test_no_client_authentication_is_invalid_client(client, oidc_client):
    response = await client.post(
        "/oidc/token",
        data={"grant_type": "authorization_code", "client_id": oidc_client.client_id},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
