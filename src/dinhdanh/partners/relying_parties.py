"""A partner's clients: create one (an opaque id and, for `client_secret_basic`, a secret
shown once), change its settings, rotate its secret with a grace period, disable and
enable it. The secret itself is never stored, only its keyed digest."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.partners.client_rules import ClientSettings, clean_settings, jwks_kids
from dinhdanh.partners.clients import forget_cached_clients, secret_digest
from dinhdanh.partners.models import PartnerClient
from dinhdanh.partners.service import audit_partner, get_partner
from dinhdanh.platform import clock, events
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import Conflict, NotFound
from dinhdanh.platform.i18n import N_
from dinhdanh.settings import Settings

CLIENT_ID_PREFIX: Final = "dd-"
SETTINGS_FIELDS: Final = tuple(f.name for f in dataclasses.fields(ClientSettings))


def grace_period(settings: Settings) -> dt.timedelta:
    """How long a rotated-out secret keeps working (DINHDANH_CLIENT_SECRET_GRACE_HOURS)."""
    return dt.timedelta(hours=settings.client_secret_grace_hours)


def new_client_id() -> str:
    """A random, opaque client id: `dd-` and 16 hex digits."""
    return CLIENT_ID_PREFIX + secrets.token_hex(8)


def new_secret() -> str:
    """A client secret: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class IssuedClient:
    """A client after a change, and the secret made by that change (shown once, then
    gone: only its digest is kept), if any."""

    client: PartnerClient
    secret: str | None = None


def settings_of(client: PartnerClient) -> ClientSettings:
    """A client's current settings (what the edit form starts from, or a partial update
    is laid over)."""
    return ClientSettings(**{name: getattr(client, name) for name in SETTINGS_FIELDS})


def kids_of(client: PartnerClient) -> list[str]:
    """The key ids of the client's JWK Set (private_key_jwt)."""
    return jwks_kids(client.jwks)


def _audit_data(client: PartnerClient, **more: Any) -> dict[str, Any]:
    return {"partner_id": str(client.partner_id), "client_id": client.client_id, **more}


async def _audit(
    session: AsyncSession, actor: Principal, action: str, client: PartnerClient, **more: Any
) -> None:
    await audit_partner(
        session,
        actor,
        action,
        subject_type="partner_client",
        subject_id=client.client_id,
        data=_audit_data(client, **more),
    )


async def create_client(
    session: AsyncSession,
    *,
    actor: Principal,
    cipher: FieldCipher,
    partner_id: str | uuid.UUID,
    settings: ClientSettings,
    client_id: str | None = None,
    secret: str | None = None,
) -> IssuedClient:
    """Give a partner a client; with `client_secret_basic` its secret, shown once.
    (`client_id` and `secret` are fixed only by the demo seed; everyone else gets random
    ones.)"""
    partner = await get_partner(session, partner_id)
    clean = clean_settings(settings)
    shown = (secret or new_secret()) if clean.auth_method == "client_secret_basic" else None
    client = PartnerClient(
        client_id=client_id or new_client_id(),
        partner_id=partner.id,
        secret_digest=secret_digest(cipher, shown) if shown else None,
        secret_rotated_at=clock.now() if shown else None,
        active=True,
        **{name: getattr(clean, name) for name in SETTINGS_FIELDS},
    )
    session.add(client)
    await session.flush()
    await _audit(
        session,
        actor,
        "partner.client_created",
        client,
        name=client.name,
        auth_method=client.auth_method,
        grant_types=client.grant_types,
        scopes=client.scopes,
        level=client.level,
    )
    return IssuedClient(client, shown)


async def list_clients(session: AsyncSession, partner_id: uuid.UUID) -> list[PartnerClient]:
    """A partner's clients, oldest first."""
    rows = await session.scalars(
        select(PartnerClient)
        .where(PartnerClient.partner_id == partner_id)
        .order_by(PartnerClient.created_at, PartnerClient.client_id)
    )
    return list(rows)


async def get_client(
    session: AsyncSession,
    partner_id: str | uuid.UUID,
    client_id: str,
    *,
    for_update: bool = False,
) -> PartnerClient:
    """One client of a partner, or NotFound (`for_update` locks the row)."""
    partner = await get_partner(session, partner_id)
    query = select(PartnerClient).where(
        PartnerClient.client_id == client_id[:64], PartnerClient.partner_id == partner.id
    )
    client = await session.scalar(query.with_for_update() if for_update else query)
    if client is None:
        raise NotFound()
    return client


def _forget_secrets(client: PartnerClient) -> None:
    client.secret_digest = None
    client.previous_secret_digest = None
    client.previous_secret_expires_at = None


async def update_client(
    session: AsyncSession,
    *,
    actor: Principal,
    cipher: FieldCipher,
    partner_id: str | uuid.UUID,
    client_id: str,
    settings: ClientSettings,
) -> IssuedClient:
    """Change a client's settings (all checked again). Moving to `client_secret_basic`
    makes a secret (shown once); moving to `private_key_jwt` ends the secrets."""
    client = await get_client(session, partner_id, client_id, for_update=True)
    clean = clean_settings(settings)
    changed = [name for name in SETTINGS_FIELDS if getattr(clean, name) != getattr(client, name)]
    if not changed:
        return IssuedClient(client)
    for name in changed:
        setattr(client, name, getattr(clean, name))
    shown = None
    if clean.auth_method == "private_key_jwt":
        _forget_secrets(client)
    elif client.secret_digest is None:
        shown = new_secret()
        client.secret_digest = secret_digest(cipher, shown)
        client.secret_rotated_at = clock.now()
    await session.flush()
    forget_cached_clients()
    await _audit(session, actor, "partner.client_updated", client, changed=changed)
    return IssuedClient(client, shown)


async def rotate_secret(
    session: AsyncSession,
    *,
    actor: Principal,
    cipher: FieldCipher,
    partner_id: str | uuid.UUID,
    client_id: str,
    grace: dt.timedelta,
) -> IssuedClient:
    """A new secret (shown once); the previous one keeps working for `grace` (the setting
    DINHDANH_CLIENT_SECRET_GRACE_HOURS), a secret before it stops at once."""
    client = await get_client(session, partner_id, client_id, for_update=True)
    if client.auth_method != "client_secret_basic":
        raise Conflict(
            N_("This client authenticates with its keys (private_key_jwt): it has no secret."),
            type="client-has-no-secret",
        )
    now = clock.now()
    keep_previous = client.secret_digest is not None and grace > dt.timedelta(0)
    client.previous_secret_digest = client.secret_digest if keep_previous else None
    client.previous_secret_expires_at = now + grace if keep_previous else None
    shown = new_secret()
    client.secret_digest = secret_digest(cipher, shown)
    client.secret_rotated_at = now
    await session.flush()
    forget_cached_clients()
    valid_until = client.previous_secret_expires_at
    await _audit(
        session,
        actor,
        "partner.client_secret_rotated",
        client,
        previous_valid_until=valid_until.isoformat() if valid_until else None,
    )
    return IssuedClient(client, shown)


async def set_client_active(
    session: AsyncSession,
    *,
    actor: Principal,
    partner_id: str | uuid.UUID,
    client_id: str,
    active: bool,
) -> PartnerClient:
    """Disable a client (refused at once, and its tokens end: enabling it again revives
    none of them) or enable it again; nothing happens when it already is so."""
    client = await get_client(session, partner_id, client_id, for_update=True)
    if client.active == active:
        return client
    client.active = active
    await session.flush()
    forget_cached_clients()
    action = "partner.client_enabled" if active else "partner.client_disabled"
    await _audit(session, actor, action, client)
    if not active:
        await events.publish(session, events.CLIENT_DISABLED, actor=actor, client_id=client_id)
    return client
