"""Token introspection (RFC 7662), revocation (RFC 7009) and the userinfo answer.

A client introspects and revokes only its own tokens: another client's token is
`{"active": false}` at introspection and left alone at revocation (answered 200 like an
unknown token, RFC 7009 §2.2), so a client learns nothing about tokens it was not given.
Revoking a refresh token ends its whole family (its access tokens too, RFC 7009 §2.1);
revoking an access token ends that token only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.oidc import access_tokens
from dinhdanh.oidc.claims import ACR_BY_LEVEL, claims_of
from dinhdanh.oidc.grants import audit_revocation, revoke_family
from dinhdanh.oidc.models import RefreshToken
from dinhdanh.oidc.oauth_errors import InsufficientScope, InvalidRequest, InvalidToken
from dinhdanh.oidc.params import scope_text
from dinhdanh.oidc.release import client_principal, release
from dinhdanh.oidc.subject import subject
from dinhdanh.partners.clients import RelyingParty
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import FieldCipher, token_digest
from dinhdanh.platform.db import Executor
from dinhdanh.platform.kv import KeyValue

_rts = RefreshToken.__table__
_REFRESH: Final = select(
    _rts.c.family_id,
    _rts.c.client_id,
    _rts.c.citizen_id,
    _rts.c.scopes,
    _rts.c.created_at,
    _rts.c.expires_at,
    _rts.c.used_at,
    _rts.c.revoked_at,
).where(_rts.c.token_digest == bindparam("digest"))
INACTIVE: Final = {"active": False}


def _token_of(form: Mapping[str, str]) -> str:
    token = form.get("token")
    if not token:
        raise InvalidRequest("token is required")
    return token


async def _refresh_row(executor: Executor, token: str) -> Any:
    if len(token) > 512:
        return None
    return (await executor.execute(_REFRESH, {"digest": token_digest(token)})).first()


def _sub(cipher: FieldCipher, client: RelyingParty, citizen_id: uuid.UUID | None) -> str:
    # A client's own token (client credentials) has the client as its subject.
    return subject(cipher, citizen_id, client.partner_id) if citizen_id else client.client_id


async def introspect(
    session: AsyncSession,
    kv: KeyValue,
    cipher: FieldCipher,
    client: RelyingParty,
    form: Mapping[str, str],
    *,
    issuer: str,
) -> dict[str, Any]:
    """RFC 7662 §2.2: what the calling client's token stands for, or `active: false`.
    Both kinds are searched whatever `token_type_hint` says (§2.1: a hint is only a hint)."""
    token = _token_of(form)
    found = await access_tokens.active(kv, session, token)
    if found is not None and found[0].client_id == client.client_id:
        at = found[0]
        body: dict[str, Any] = {
            "active": True,
            "token_type": "Bearer",
            "client_id": at.client_id,
            "scope": scope_text(at.scopes),
            "sub": _sub(cipher, client, at.citizen_id),
            "aud": at.client_id,
            "iss": issuer,
            "iat": at.iat,
            "exp": at.exp,
        }
        if at.level in ACR_BY_LEVEL:
            body["acr"] = ACR_BY_LEVEL[at.level]
        return body
    row = await _refresh_row(session, token)
    now = clock.now()
    if (
        row is None
        or row.client_id != client.client_id
        or row.used_at is not None
        or row.revoked_at is not None
        or row.expires_at <= now
    ):
        return dict(INACTIVE)
    return {
        "active": True,
        "token_type": "refresh_token",
        "client_id": row.client_id,
        "scope": scope_text(row.scopes or ()),
        "sub": _sub(cipher, client, row.citizen_id),
        "iss": issuer,
        "iat": int(row.created_at.timestamp()),
        "exp": int(row.expires_at.timestamp()),
    }


async def revoke(
    executor: Executor,
    kv: KeyValue,
    client: RelyingParty,
    form: Mapping[str, str],
    *,
    client_ip: str | None = None,
) -> None:
    """RFC 7009: end the calling client's token; anything else is silently left alone.
    Both kinds are searched whatever `token_type_hint` says."""
    token = _token_of(form)
    grant = await access_tokens.read(kv, token)
    if grant is not None:
        if grant.client_id == client.client_id:
            await access_tokens.revoke(kv, token)
        return
    row = await _refresh_row(executor, token)
    if row is None or row.client_id != client.client_id or row.revoked_at is not None:
        return
    ended = await revoke_family(session=executor, kv=kv, family_id=row.family_id)
    await audit_revocation(
        executor,
        actor=client_principal(client, client_ip),
        citizen_id=row.citizen_id,
        reason="revoked_by_client",
        client_id=client.client_id,
        service=client.name,
        refresh_tokens=ended,
    )


async def userinfo(
    session: AsyncSession,
    kv: KeyValue,
    cipher: FieldCipher,
    token: str,
    *,
    client_ip: str | None = None,
) -> tuple[RelyingParty, dict[str, Any]]:
    """The granted claims' values for a citizen's access token (an audited release),
    with the client it was given to."""
    found = await access_tokens.active(kv, session, token)
    if found is None:
        raise InvalidToken("the access token is invalid, expired or revoked")
    grant, client = found
    if grant.citizen_id is None or "openid" not in grant.scopes:
        raise InsufficientScope("openid")
    # What the client may still ask for today: an administrator may have narrowed it since.
    allowed = set(claims_of(client.scopes))
    values = await release(
        session=session,
        citizen_id=grant.citizen_id,
        client=client,
        claims=[c for c in grant.claims if c in allowed],
        client_ip=client_ip,
    )
    return client, {"sub": subject(cipher, grant.citizen_id, client.partner_id), **values}
