"""A relying party as the OpenID provider sees it: one lean Core read per request (the
token endpoint is a hot path), and the client-secret check."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import bindparam, select

from dinhdanh.partners.models import Partner, PartnerClient
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import FieldCipher, constant_time_equals
from dinhdanh.platform.db import Executor

SECRET_CONTEXT: Final = "partner.client_secret"  # noqa: S105  (a label, not a secret)

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
