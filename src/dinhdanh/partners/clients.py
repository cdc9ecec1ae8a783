"""A relying party as the OpenID provider sees it: one lean Core read, a short
in-process cache of them for the back-channel endpoints (the token endpoint is a hot
path), and the client-secret check."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from sqlalchemy import bindparam, select

from dinhdanh.partners.models import Partner, PartnerClient
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import FieldCipher, constant_time_equals
from dinhdanh.platform.db import Database, Executor

SECRET_CONTEXT: Final = "partner.client_secret"  # noqa: S105  (a label, not a secret)
# How long a process may use a relying party it read (RelyingParties): the longest a
# suspension, a disabled client or a secret rotation takes to reach every process.
CACHE_SECONDS: Final = 5.0
_CACHE_SIZE: Final = 4096

_clients = PartnerClient.__table__
_partners = Partner.__table__


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """One client with its partner's name, kind and status."""

    client_id: str
    partner_id: uuid.UUID
    partner_name: str
    partner_kind: str
    partner_status: str
    name: str
    purpose: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    required_claims: tuple[str, ...]
    grant_types: tuple[str, ...]
    level: int
    auth_method: str
    secret_digest: str | None
    previous_secret_digest: str | None
    previous_secret_expires_at: dt.datetime | None
    jwks: dict[str, Any] | None
    access_token_seconds: int
    id_token_seconds: int
    refresh_token_seconds: int
    active: bool

    @property
    def usable(self) -> bool:
        """True when the partner is approved and the client enabled."""
        return self.active and self.partner_status == "approved"


_BY_ID: Final = (
    select(
        _clients,
        _partners.c.name.label("partner_name"),
        _partners.c.kind.label("partner_kind"),
        _partners.c.status.label("partner_status"),
    )
    .join(_partners, _partners.c.id == _clients.c.partner_id)
    .where(_clients.c.client_id == bindparam("client_id"))
)


async def load_client(executor: Executor, client_id: str) -> RelyingParty | None:
    """The client with this id, or None (whatever its status: the caller decides)."""
    if not client_id or len(client_id) > 64:
        return None
    row = (await executor.execute(_BY_ID, {"client_id": client_id})).mappings().first()
    if row is None:
        return None
    return RelyingParty(
        client_id=row["client_id"],
        partner_id=row["partner_id"],
        partner_name=row["partner_name"],
        partner_kind=row["partner_kind"],
        partner_status=row["partner_status"],
        name=row["name"],
        purpose=row["purpose"],
        redirect_uris=tuple(row["redirect_uris"] or ()),
        post_logout_redirect_uris=tuple(row["post_logout_redirect_uris"] or ()),
        scopes=tuple(row["scopes"] or ()),
        required_claims=tuple(row["required_claims"] or ()),
        grant_types=tuple(row["grant_types"] or ()),
        level=row["level"],
        auth_method=row["auth_method"],
        secret_digest=row["secret_digest"],
        previous_secret_digest=row["previous_secret_digest"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
        jwks=row["jwks"],
        access_token_seconds=row["access_token_seconds"],
        id_token_seconds=row["id_token_seconds"],
        refresh_token_seconds=row["refresh_token_seconds"],
        active=row["active"],
    )


def secret_digest(cipher: FieldCipher, secret: str) -> str:
    """The stored form of a client secret (a keyed digest; see PartnerClient.secret_digest)."""
    return cipher.mac(secret.encode(), context=SECRET_CONTEXT)


def secret_matches(cipher: FieldCipher, client: RelyingParty, secret: str) -> bool:
    """True when `secret` is the client's current secret, or its previous one still inside
    the grace period after a rotation."""
    if not secret or len(secret) > 200:
        return False
    given = secret_digest(cipher, secret)
    if client.secret_digest and constant_time_equals(given, client.secret_digest):
        return True
    return bool(
        client.previous_secret_digest
        and client.previous_secret_expires_at
        and client.previous_secret_expires_at > clock.now()
        and constant_time_equals(given, client.previous_secret_digest)
    )


class RelyingParties:
    """The relying parties as the client-authenticating endpoints (token, revocation,
    introspection) see them: each read from the database at most once every
    CACHE_SECONDS (5 s) in a process, so the token endpoint mostly needs no database
    connection to know its caller.

    A suspension, a disabled client or a secret rotation therefore takes effect within
    5 s on every process, and at once in the process that made it: the partners service
    calls `forget_cached_clients()` on every change to a partner or a client. Unknown
    client ids are not remembered. One instance per app (`app.state.relying_parties`)."""

    # Bumped by forget_cached_clients(): an entry read under an older generation is stale.
    _generation: ClassVar[int] = 0

    def __init__(self, db: Database, seconds: float = CACHE_SECONDS) -> None:
        self._db = db
        self._seconds = seconds
        self._entries: dict[str, tuple[RelyingParty, float, int]] = {}

    @classmethod
    def forget_all(cls) -> None:
        """Every instance in this process drops what it holds."""
        cls._generation += 1

    async def get(self, client_id: str) -> RelyingParty | None:
        """The client with this id (whatever its status), at most CACHE_SECONDS old."""
        now = time.monotonic()
        entry = self._entries.get(client_id)
        if entry is not None and entry[1] > now and entry[2] == RelyingParties._generation:
            return entry[0]
        # Taken before the read: a change made while it runs makes this entry stale.
        generation = RelyingParties._generation
        async with self._db.autocommit() as conn:
            client = await load_client(conn, client_id)
        if client is None:
            self._entries.pop(client_id, None)
            return None
        if len(self._entries) >= _CACHE_SIZE:
            self._entries.clear()
        self._entries[client_id] = (client, now + self._seconds, generation)
        return client


def forget_cached_clients() -> None:
    """Make every process cache of relying parties (RelyingParties) read them afresh: call
    on each change to a partner's status or a client (other processes follow within
    CACHE_SECONDS)."""
    RelyingParties.forget_all()
