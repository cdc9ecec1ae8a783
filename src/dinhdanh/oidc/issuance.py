"""Issuing a token set for a citizen's grant: the access token (kept in the key-value
store, the usage count in the same round trip), the refresh token the grant stored (see
refresh.py), and the ES256 ID token when `openid` was granted."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey

from dinhdanh.oidc import access_tokens
from dinhdanh.oidc.claims import ACR_BY_LEVEL
from dinhdanh.oidc.keys import TOKEN_LIFETIME_CAP, sign
from dinhdanh.oidc.params import scope_text
from dinhdanh.oidc.subject import subject
from dinhdanh.partners import usage
from dinhdanh.partners.clients import RelyingParty
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.kv import KeyValue


@dataclass(frozen=True, slots=True)
class Provider:
    """What issuing needs besides the database: the store, the issuer, the keys."""

    issuer: str
    kv: KeyValue
    cipher: FieldCipher
    signing_key: ECKey | None = None
    client_ip: str | None = None


@dataclass(frozen=True, slots=True)
class CitizenGrant:
    """A citizen's authorization as one token set carries it."""

    family_id: uuid.UUID
    citizen_id: uuid.UUID
    scopes: tuple[str, ...]
    claims: tuple[str, ...]
    level: int
    amr: tuple[str, ...]
    auth_time: dt.datetime
    sid: str | None
    nonce: str | None = None


def at_hash(access_token: str) -> str:
    """OIDC Core §3.1.3.6: the left half of the SHA-256 of the token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def id_token(
    provider: Provider,
    client: RelyingParty,
    grant: CitizenGrant,
    *,
    access_token: str,
) -> str:
    """The signed ID token of a grant: who signed in, how and when, and nothing of their
    data. The data goes through userinfo (OIDC Core §5.4: with an access token issued,
    the scopes' claims are userinfo's), each answer an audited release; an ID token is
    also sent back through the browser as a logout hint, where a personal ID would land
    in histories and server logs."""
    assert provider.signing_key is not None
    iat = int(clock.now().timestamp())
    claims: dict[str, Any] = {}
    claims.update(
        iss=provider.issuer,
        sub=subject(provider.cipher, grant.citizen_id, client.partner_id),
        aud=client.client_id,
        azp=client.client_id,
        iat=iat,
        exp=iat + max(1, min(client.id_token_seconds, TOKEN_LIFETIME_CAP)),
        auth_time=int(grant.auth_time.timestamp()),
        acr=ACR_BY_LEVEL[grant.level],
        amr=list(grant.amr),
        at_hash=at_hash(access_token),
    )
    if grant.sid:
        claims["sid"] = grant.sid
    if grant.nonce:
        claims["nonce"] = grant.nonce
    return sign(provider.signing_key, claims)


async def store_access_token(
    provider: Provider, client: RelyingParty, token: str, grant: access_tokens.AccessGrant
) -> None:
    """Keep the access token and count the token response, in one key-value round trip."""
    key, value, ttl = access_tokens.storage(token, grant)
    counter, counter_ttl = usage.counter(client.client_id, "token")
    await provider.kv.set_and_incr(key, value, ttl, counter=counter, counter_ttl=counter_ttl)


async def issue_citizen_tokens(
    provider: Provider,
    client: RelyingParty,
    grant: CitizenGrant,
    *,
    refresh_token: str | None,
) -> dict[str, Any]:
    """Store a new access token of the grant and answer the token response, with the
    refresh token the caller stored (if any) and an ID token when `openid` was granted.

    The access token carries its family: revoking the family (`oidc:revoked:<family>`)
    refuses it whether it was stored before or after the revocation."""
    token, at = access_tokens.new_access_token(
        client,
        citizen_id=grant.citizen_id,
        scopes=grant.scopes,
        claims=grant.claims,
        level=grant.level,
        amr=grant.amr,
        family_id=grant.family_id,
        sid=grant.sid,
    )
    body: dict[str, Any] = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": at.exp - at.iat,
        "scope": scope_text(grant.scopes),
    }
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
    if "openid" in grant.scopes:
        body["id_token"] = id_token(provider, client, grant, access_token=token)
    await store_access_token(provider, client, token, at)
    return body
