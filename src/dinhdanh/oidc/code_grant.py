"""The authorization-code grant (RFC 6749 §4.1.3 with PKCE, RFC 7636).

The code is spent by one conditional UPDATE (`redeemed_at` set where it was empty and the
code unexpired), so of two redemptions at the same moment exactly one wins. A code
presented again after it was redeemed ends the token family it yielded (RFC 6749 §4.1.2,
OAuth 2.0 Security BCP §4.5): the loser of a race, or a replay of a stolen code, leaves
nobody holding live tokens. A code that fails a check after being spent (another
client's, a different redirect URI, a wrong PKCE verifier) stays spent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.oidc import refresh
from dinhdanh.oidc.codes import code_digest
from dinhdanh.oidc.grants import audit_revocation, revoke_family
from dinhdanh.oidc.issuance import CitizenGrant, Provider, issue_citizen_tokens
from dinhdanh.oidc.models import AuthorizationCode
from dinhdanh.oidc.oauth_errors import InvalidGrant, InvalidRequest
from dinhdanh.oidc.release import client_principal
from dinhdanh.partners.clients import RelyingParty
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import constant_time_equals
from dinhdanh.platform.db import UTCDateTime

_codes = AuthorizationCode.__table__
_NOW = bindparam("now", type_=UTCDateTime())
_REDEEM: Final = (
    update(_codes)
    .where(
        _codes.c.code_digest == bindparam("digest"),
        _codes.c.redeemed_at.is_(None),
        _codes.c.expires_at > _NOW,
    )
    .values(redeemed_at=_NOW)
    .returning(
        _codes.c.id,
        _codes.c.client_id,
        _codes.c.citizen_id,
        _codes.c.redirect_uri,
        _codes.c.scopes,
        _codes.c.claims,
        _codes.c.nonce,
        _codes.c.code_challenge,
        _codes.c.level,
        _codes.c.amr,
        _codes.c.auth_time,
        _codes.c.sid,
    )
)
_STATE: Final = select(_codes.c.id, _codes.c.citizen_id, _codes.c.redeemed_at).where(
    _codes.c.code_digest == bindparam("digest")
)
# RFC 7636 §4.1: 43 to 128 unreserved characters.
_VERIFIER: Final = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
MAX_CODE_LENGTH: Final = 512


def pkce_matches(verifier: str, challenge: str) -> bool:
    """True when the S256 challenge of `verifier` is `challenge`."""
    return constant_time_equals(create_s256_code_challenge(verifier), challenge)


async def _replayed(
    session: AsyncSession, provider: Provider, client: RelyingParty, digest: str
) -> None:
    """A code not redeemable now: a second redemption ends its family; then invalid_grant."""
    state = (await session.execute(_STATE, {"digest": digest})).first()
    if state is not None and state.redeemed_at is not None:
        ended = await revoke_family(session=session, kv=provider.kv, family_id=state.id)
        await audit_revocation(
            session,
            actor=client_principal(client, provider.client_ip),
            citizen_id=state.citizen_id,
            reason="code_reused",
            client_id=client.client_id,
            service=client.name,
            refresh_tokens=ended,
        )
        raise InvalidGrant("authorization code already used: its tokens are revoked")
    raise InvalidGrant("invalid or expired authorization code")


async def redeem(
    session: AsyncSession, provider: Provider, client: RelyingParty, form: Mapping[str, str]
) -> dict[str, Any]:
    """Exchange a code for the token set (the granted claims' values come from userinfo,
    each answer an audited release; the ID token carries none)."""
    code = form.get("code")
    redirect_uri = form.get("redirect_uri")
    verifier = form.get("code_verifier")
    if not code or not redirect_uri:
        raise InvalidRequest("code and redirect_uri are required")
    if not verifier or not _VERIFIER.fullmatch(verifier):
        raise InvalidGrant("a PKCE code_verifier (RFC 7636) is required")
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidGrant("invalid or expired authorization code")
    digest = code_digest(code)
    row = (await session.execute(_REDEEM, {"digest": digest, "now": clock.now()})).first()
    if row is None:
        await _replayed(session, provider, client, digest)
    assert row is not None
    c = row._mapping
    if c["client_id"] != client.client_id:
        raise InvalidGrant("the code was issued to another client")
    if c["redirect_uri"] != redirect_uri:
        raise InvalidGrant("redirect_uri differs from the authorization request")
    if not pkce_matches(verifier, c["code_challenge"]):
        raise InvalidGrant("PKCE verification failed")
    grant = CitizenGrant(
        family_id=c["id"],
        citizen_id=c["citizen_id"],
        scopes=tuple(c["scopes"] or ()),
        claims=tuple(c["claims"] or ()),
        level=c["level"],
        amr=tuple(c["amr"] or ()),
        auth_time=c["auth_time"],
        sid=c["sid"],
        nonce=c["nonce"],
    )
    refresh_token = None
    if refresh.offers_refresh(client):
        refresh_grant = refresh.RefreshGrant(
            family_id=grant.family_id,
            client_id=client.client_id,
            citizen_id=grant.citizen_id,
            scopes=grant.scopes,
            claims=grant.claims,
            level=grant.level,
            amr=grant.amr,
            auth_time=grant.auth_time,
            sid=grant.sid,
            expires_at=clock.now() + dt.timedelta(seconds=client.refresh_token_seconds),
        )
        refresh_token = await refresh.issue(session, refresh_grant)
    return await issue_citizen_tokens(provider, client, grant, refresh_token=refresh_token)
