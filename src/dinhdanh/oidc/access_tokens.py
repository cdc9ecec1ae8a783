"""Access tokens: opaque random strings whose grant lives in the key-value store.

`oidc:at:<sha256 of the token>` holds the grant (JSON) for the token's lifetime. A
revoked family is marked at `oidc:revoked:<family_id>`: every access token of that family
is then refused at its next use, without having to know the tokens. What the event
handlers cannot reach (they have no key-value store) is checked at use: the client must
still be usable (partner approved, client enabled) and the citizen's account unlocked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.lean import token_barrier
from dinhdanh.oidc.keys import TOKEN_LIFETIME_CAP
from dinhdanh.partners.clients import RelyingParty, load_client
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import random_token, token_digest
from dinhdanh.platform.kv import KeyValue

AT_PREFIX: Final = "oidc:at:"
REVOKED_PREFIX: Final = "oidc:revoked:"
# A family's revocation mark outlives every access token of the family.
REVOKED_MARK_SECONDS: Final = TOKEN_LIFETIME_CAP
MAX_TOKEN_LENGTH: Final = 512


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """What an access token stands for."""

    client_id: str
    citizen_id: uuid.UUID | None
    scopes: tuple[str, ...]
    claims: tuple[str, ...]
    level: int | None
    amr: tuple[str, ...]
    family_id: uuid.UUID | None
    sid: str | None
    iat: int
    exp: int

    def to_json(self) -> bytes:
        """The stored form."""
        return orjson.dumps(
            {
                "client_id": self.client_id,
                "citizen_id": str(self.citizen_id) if self.citizen_id else None,
                "scopes": self.scopes,
                "claims": self.claims,
                "level": self.level,
                "amr": self.amr,
                "family_id": str(self.family_id) if self.family_id else None,
                "sid": self.sid,
                "iat": self.iat,
                "exp": self.exp,
            }
        )

    @classmethod
    def from_json(cls, raw: bytes) -> AccessGrant:
        """Read the stored form."""
        d: dict[str, Any] = orjson.loads(raw)
        return cls(
            client_id=d["client_id"],
            citizen_id=uuid.UUID(d["citizen_id"]) if d.get("citizen_id") else None,
            scopes=tuple(d.get("scopes") or ()),
            claims=tuple(d.get("claims") or ()),
            level=d.get("level"),
            amr=tuple(d.get("amr") or ()),
            family_id=uuid.UUID(d["family_id"]) if d.get("family_id") else None,
            sid=d.get("sid"),
            iat=int(d["iat"]),
            exp=int(d["exp"]),
        )


def access_token_seconds(client: RelyingParty) -> int:
    """The client's access-token lifetime, capped at the provider's longest."""
    return max(1, min(client.access_token_seconds, TOKEN_LIFETIME_CAP))


def new_access_token(
    client: RelyingParty,
    *,
    citizen_id: uuid.UUID | None,
    scopes: tuple[str, ...],
    claims: tuple[str, ...] = (),
    level: int | None = None,
    amr: tuple[str, ...] = (),
    family_id: uuid.UUID | None = None,
    sid: str | None = None,
) -> tuple[str, AccessGrant]:
    """A fresh token and its grant (not stored yet: see `store`)."""
    iat = int(clock.now().timestamp())
    grant = AccessGrant(
        client_id=client.client_id,
        citizen_id=citizen_id,
        scopes=scopes,
        claims=claims,
        level=level,
        amr=amr,
        family_id=family_id,
        sid=sid,
        iat=iat,
        exp=iat + access_token_seconds(client),
    )
    return random_token(32), grant


def storage(token: str, grant: AccessGrant) -> tuple[str, bytes, int]:
    """Where and how a token's grant is kept: the key, the stored form, the time to live
    (the token's lifetime)."""
    return AT_PREFIX + token_digest(token), grant.to_json(), max(1, grant.exp - grant.iat)


async def store(kv: KeyValue, token: str, grant: AccessGrant) -> None:
    """Keep the grant for the token's lifetime (one key-value round trip)."""
    await kv.set(*storage(token, grant))


async def read(kv: KeyValue, token: str) -> AccessGrant | None:
    """The grant of a token still alive and whose family is not revoked; else None."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    raw = await kv.get(AT_PREFIX + token_digest(token))
    if raw is None:
        return None
    grant = AccessGrant.from_json(raw)
    if grant.exp <= clock.now().timestamp():
        return None
    if grant.family_id and await kv.get(REVOKED_PREFIX + str(grant.family_id)):
        return None
    return grant


async def revoke(kv: KeyValue, token: str) -> None:
    """Forget one access token."""
    await kv.delete(AT_PREFIX + token_digest(token))


async def mark_family_revoked(kv: KeyValue, family_id: uuid.UUID) -> None:
    """Refuse every access token of the family from now on."""
    await kv.set(REVOKED_PREFIX + str(family_id), b"1", REVOKED_MARK_SECONDS)


async def active(
    kv: KeyValue, session: AsyncSession, token: str
) -> tuple[AccessGrant, RelyingParty] | None:
    """The grant and client of a token that may be used now: alive, family not revoked,
    client usable, and (for a citizen's token) the account not locked and not locked
    since the token was issued. For resource
    servers: userinfo, introspection, and later APIs that take the provider's tokens."""
    grant = await read(kv, token)
    if grant is None:
        return None
    client = await load_client(session, grant.client_id)
    if client is None or not client.usable:
        return None
    if grant.citizen_id is not None:
        barrier = await token_barrier(session, grant.citizen_id)
        if barrier is None or not barrier.allows(grant.iat):
            return None
    return grant, client
