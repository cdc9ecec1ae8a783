"""Refresh tokens: issued to clients registered for the `refresh_token` grant, rotated at
each use, and a used one presented again ends its whole family (OAuth 2.0 Security BCP
§4.14.2: the legitimate client and an attacker cannot both hold a live token).

Only the SHA-256 of a token is stored. Rotation spends the token with one conditional
UPDATE (`used_at` set where it was empty) and stores its successor atomically with it, so
of two requests presenting the same token at the same moment one wins and the other is a
reuse. On PostgreSQL the two are one statement (the UPDATE … RETURNING feeding the INSERT
in a CTE) outside any transaction: one round trip, the hot path of the token endpoint;
on SQLite two statements in one transaction. Only the rare refusal opens a transaction
of its own (the reuse check, the family's revocation and its audit event). A rotated
token keeps the family's expiry: the family lives `refresh_token_seconds` from the
sign-in, however often it is refreshed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Final

import orjson
from sqlalchemy import bindparam, delete, insert, select, update

from dinhdanh.oidc.grants import audit_revocation, revoke_family
from dinhdanh.oidc.models import RefreshToken
from dinhdanh.oidc.oauth_errors import InvalidGrant
from dinhdanh.oidc.release import client_principal
from dinhdanh.partners.clients import RelyingParty
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import random_token, token_digest
from dinhdanh.platform.db import Database, DriverStatement, Executor, UTCDateTime
from dinhdanh.platform.kv import KeyValue

_rts = RefreshToken.__table__
_NOW = bindparam("now", type_=UTCDateTime())
_GRANT_COLUMNS: Final = (
    _rts.c.family_id,
    _rts.c.client_id,
    _rts.c.citizen_id,
    _rts.c.scopes,
    _rts.c.claims,
    _rts.c.level,
    _rts.c.amr,
    _rts.c.auth_time,
    _rts.c.sid,
    _rts.c.expires_at,
)
_USE: Final = (
    update(_rts)
    .where(
        _rts.c.token_digest == bindparam("digest"),
        _rts.c.client_id == bindparam("cid"),
        _rts.c.used_at.is_(None),
        _rts.c.revoked_at.is_(None),
        _rts.c.expires_at > _NOW,
    )
    .values(used_at=_NOW)
    .returning(*_GRANT_COLUMNS)
)
_STATE: Final = select(
    _rts.c.family_id, _rts.c.citizen_id, _rts.c.used_at, _rts.c.revoked_at
).where(_rts.c.token_digest == bindparam("digest"))
_INSERT: Final = insert(_rts)
# PostgreSQL: spend and replace in one statement; the INSERT copies the spent row's grant.
_SPENT: Final = _USE.cte("spent")
_ROTATE: Final = DriverStatement(
    insert(_rts)
    .from_select(
        ["token_digest", "created_at", *(c.name for c in _GRANT_COLUMNS)],
        select(
            bindparam("new_digest", type_=_rts.c.token_digest.type),
            _NOW,
            *(_SPENT.c[c.name] for c in _GRANT_COLUMNS),
        ),
    )
    .returning(*_GRANT_COLUMNS)
)
# Undoing a rotation whose answer could not be made: the successor (never handed out)
# goes, the spent token is live again; unless the family was revoked meanwhile.
_DROP_SUCCESSOR: Final = delete(_rts).where(
    _rts.c.token_digest == bindparam("new_digest"),
    _rts.c.used_at.is_(None),
    _rts.c.revoked_at.is_(None),
)
_UNSPEND: Final = (
    update(_rts)
    .where(_rts.c.token_digest == bindparam("digest"), _rts.c.revoked_at.is_(None))
    .values(used_at=None)
)
MAX_TOKEN_LENGTH: Final = 512


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    """What a refresh token carries from the sign-in it came from."""

    family_id: uuid.UUID
    client_id: str
    citizen_id: uuid.UUID
    scopes: tuple[str, ...]
    claims: tuple[str, ...]
    level: int
    amr: tuple[str, ...]
    auth_time: dt.datetime
    sid: str | None
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Rotation:
    """A refresh token spent and its successor stored: the grant both carry, and the new
    token to hand out."""

    grant: RefreshGrant
    token: str
    spent_digest: str
    new_digest: str


def offers_refresh(client: RelyingParty) -> bool:
    """True when the client gets refresh tokens: it is registered for the `refresh_token`
    grant with a lifetime. No `offline_access` scope is needed: the partner registration
    (reviewed by an administrator) decides, and the consent page says the service stays
    connected until the citizen revokes it."""
    return "refresh_token" in client.grant_types and client.refresh_token_seconds > 0


def _row_values(digest: str, grant: RefreshGrant, now: dt.datetime) -> dict[str, object]:
    return {
        "token_digest": digest,
        "family_id": grant.family_id,
        "client_id": grant.client_id,
        "citizen_id": grant.citizen_id,
        "scopes": list(grant.scopes),
        "claims": list(grant.claims),
        "level": grant.level,
        "amr": list(grant.amr),
        "auth_time": grant.auth_time,
        "sid": grant.sid,
        "created_at": now,
        "expires_at": grant.expires_at,
    }


async def issue(executor: Executor, grant: RefreshGrant) -> str:
    """Store a new refresh token of the grant's family; the token."""
    token = random_token(32)
    await executor.execute(_INSERT, _row_values(token_digest(token), grant, clock.now()))
    return token


def _names(value: Any) -> tuple[str, ...]:
    """A JSON list column: decoded by SQLAlchemy or the driver's codec (text otherwise)."""
    return tuple(orjson.loads(value) if isinstance(value, str) else value or ())


def _grant_of(row: Any) -> RefreshGrant:
    """From a row of SQLAlchemy (its mapping) or of the driver (a record, a mapping)."""
    m = getattr(row, "_mapping", row)
    return RefreshGrant(
        family_id=m["family_id"],
        client_id=m["client_id"],
        citizen_id=m["citizen_id"],
        scopes=_names(m["scopes"]),
        claims=_names(m["claims"]),
        level=m["level"],
        amr=_names(m["amr"]),
        auth_time=m["auth_time"],
        sid=m["sid"],
        expires_at=m["expires_at"],
    )


async def rotate(db: Database, kv: KeyValue, *, token: str, client: RelyingParty) -> Rotation:
    """Spend a refresh token of this client and store its successor (committed on return):
    the grant both carry and the new token.

    Unknown, expired or another client's: `invalid_grant`. Already used or revoked: the
    family ends (audited, committed) and `invalid_grant`."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidGrant("invalid refresh token")
    new_token = random_token(32)
    params = {
        "digest": token_digest(token),
        "cid": client.client_id,
        "now": clock.now(),
        "new_digest": token_digest(new_token),
    }
    if db.dialect == "postgresql":
        async with db.driver() as conn:
            row = await conn.fetchrow(*_ROTATE.args(db.engine.dialect, params))
    else:
        async with db.connection() as conn:
            row = (await conn.execute(_USE, params)).first()
            if row is not None:
                values = _row_values(params["new_digest"], _grant_of(row), params["now"])
                await conn.execute(_INSERT, values)
    if row is None:
        async with db.connection() as conn:
            refusal = await _refusal(conn, kv, params["digest"], client)
        raise refusal  # after the commit: a revoked family stays revoked
    return Rotation(_grant_of(row), new_token, params["digest"], params["new_digest"])


async def undo(db: Database, rotation: Rotation) -> None:
    """Give a spent token back when the answer carrying its successor could not be made
    (the key-value store failed, the asked scope was refused): the client may present it
    again rather than be taken for a thief. Nothing changes if the family was revoked
    meanwhile."""
    params = {"digest": rotation.spent_digest, "new_digest": rotation.new_digest}
    async with db.connection() as conn:
        dropped = await conn.execute(_DROP_SUCCESSOR, params)
        if dropped.rowcount:  # type: ignore[attr-defined]
            await conn.execute(_UNSPEND, params)


async def _refusal(
    executor: Executor, kv: KeyValue, digest: str, client: RelyingParty
) -> InvalidGrant:
    """Why a token could not be spent; a used one (not yet revoked) ends its family first
    (audited)."""
    state = (await executor.execute(_STATE, {"digest": digest})).first()
    if state is not None and state.used_at is not None and state.revoked_at is None:
        await revoke_family(session=executor, kv=kv, family_id=state.family_id)
        await audit_revocation(
            executor,
            actor=client_principal(client),
            citizen_id=state.citizen_id,
            reason="refresh_token_reused",
            client_id=client.client_id,
            service=client.name,
        )
        return InvalidGrant("refresh token already used: its grant is revoked")
    return InvalidGrant("invalid, expired or revoked refresh token")
