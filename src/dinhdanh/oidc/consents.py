"""Consent: what an authorization request asks for, what the citizen must give and may
withhold, what is remembered per (citizen, client), and withdrawing it, which ends that
service's tokens.

The rules (issue 6 design): the scopes asked must be among the client's; the claims asked
are those of the scopes plus the `claims` parameter's members that the client's scopes
allow; the required ones are the client's required claims, the essential ones and `sub`;
the citizen may untick the others. A remembered consent covers a request when the
request's scopes are among the remembered scopes and its required claims among the
remembered claims.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.activity import explains
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.service import AccountTools
from dinhdanh.oidc import grants
from dinhdanh.oidc.claims import (
    ALL_CLAIMS,
    COMPANIONS,
    claim_label,
    claims_of,
    scope_label,
    with_companions,
)
from dinhdanh.oidc.models import Consent
from dinhdanh.partners.clients import RelyingParty, load_client
from dinhdanh.platform import audit, clock
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import NotFound
from dinhdanh.platform.i18n import N_, gettext

# The newest releases read to find each service's last one (a citizen has few services).
RELEASES_READ: Final = 500


def ordered(claims: Iterable[str]) -> list[str]:
    """Claims in catalogue order, without duplicates or unknown names."""
    wanted = set(claims)
    return [c for c in ALL_CLAIMS if c in wanted]


def client_claims(client: RelyingParty) -> set[str]:
    """Every claim the client may ever be given (the claims of its scopes)."""
    return set(claims_of(client.scopes))


def requested_claims(
    client: RelyingParty, scopes: Iterable[str], extra: Iterable[str]
) -> list[str]:
    """The claims a request asks for: those of its scopes, plus the `claims` parameter's
    members the client's scopes allow; companions (a phone's verified flag) come by
    themselves and are not asked about."""
    asked = set(claims_of(scopes)) | (set(extra) & client_claims(client))
    return [c for c in ordered(asked) if c not in COMPANIONS]


def required_claims(
    client: RelyingParty, requested: Iterable[str], essential: Iterable[str]
) -> list[str]:
    """The requested claims the citizen cannot untick: `sub`, the client's required claims
    and the essential ones."""
    must = {"sub", *client.required_claims, *essential}
    return [c for c in requested if c in must]


def granted_claims(
    requested: Iterable[str], required: Iterable[str], ticked: Iterable[str]
) -> list[str]:
    """What the citizen gives: every required claim, and the optional ones ticked."""
    asked = list(requested)
    chosen = set(required) | (set(ticked) & set(asked))
    return [c for c in asked if c in chosen]


def with_their_companions(claims: Iterable[str]) -> list[str]:
    """The claims as a code carries them: with their companions, in catalogue order."""
    return ordered(with_companions(claims))


def covers(consent: Consent | None, scopes: Iterable[str], required: Iterable[str]) -> bool:
    """True when a remembered consent covers a request's scopes and required claims."""
    if consent is None or consent.revoked_at is not None:
        return False
    return set(scopes) <= set(consent.scopes) and set(required) <= set(consent.claims)


def remembered_grant(consent: Consent, requested: Iterable[str]) -> list[str]:
    """The requested claims a covering consent gives."""
    kept = set(consent.claims)
    return [c for c in requested if c in kept]


async def _row(session: AsyncSession, citizen_id: uuid.UUID, client_id: str) -> Consent | None:
    return await session.scalar(
        select(Consent).where(Consent.citizen_id == citizen_id, Consent.client_id == client_id)
    )


async def remembered(
    session: AsyncSession, *, citizen_id: uuid.UUID, client_id: str
) -> Consent | None:
    """The citizen's standing consent to this client (None when never given or revoked)."""
    row = await _row(session, citizen_id, client_id)
    return row if row is not None and row.revoked_at is None else None


def _service(client: RelyingParty) -> dict[str, str]:
    return {"client_id": client.client_id, "service": client.name, "partner": client.partner_name}


async def grant(
    *,
    session: AsyncSession,
    actor: Principal,
    client: RelyingParty,
    citizen_id: uuid.UUID,
    scopes: Iterable[str],
    requested: Iterable[str],
    granted: Iterable[str],
) -> Consent:
    """Remember the citizen's answer: the scopes join the remembered ones; for the claims
    asked this time the new answer replaces the old, the others keep theirs."""
    scopes, requested, granted = list(scopes), list(requested), list(granted)
    row = await _row(session, citizen_id, client.client_id)
    if row is None:
        row = Consent(citizen_id=citizen_id, client_id=client.client_id, scopes=[], claims=[])
        session.add(row)
    elif row.revoked_at is not None:
        row.scopes, row.claims, row.revoked_at = [], [], None
    row.scopes = sorted(set(row.scopes) | set(scopes))
    row.claims = ordered((set(row.claims) - set(requested)) | set(granted))
    row.granted_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="oidc.consent_granted",
        subject_type="oidc_client",
        subject_id=client.client_id,
        citizen_id=citizen_id,
        data={**_service(client), "scopes": scopes, "claims": granted},
    )
    return row


def _no_consent() -> NotFound:
    return NotFound(
        N_("You have not connected this service, or you already withdrew its access."),
        type="consent-not-found",
    )


async def revoke(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    client_id: str,
) -> int:
    """Withdraw the holder's consent to a service: its refresh tokens are revoked and its
    access tokens stop working; the next sign-in there asks again. Returns how many token
    families ended."""
    row = await remembered(session, citizen_id=account.citizen_id, client_id=client_id[:64])
    if row is None:
        raise _no_consent()
    row.revoked_at = clock.now()
    ended = await grants.revoke_grants(
        session=session, kv=tools.kv, citizen_id=account.citizen_id, client_id=row.client_id
    )
    client = await load_client(session, row.client_id)
    service = _service(client) if client else {"client_id": row.client_id}
    await audit.record(
        session,
        actor=actor,
        action="oidc.consent_revoked",
        subject_type="oidc_client",
        subject_id=row.client_id,
        citizen_id=account.citizen_id,
        data={**service, "tokens_revoked": ended},
    )
    return ended


# ---------------------------------------------------------------- connected services


@dataclass(frozen=True)
class ConnectedService:
    """One service the citizen consented to, as their services page shows it."""

    client_id: str
    service: str
    partner: str
    purpose: str
    scopes: list[str]
    claims: list[str]  # without companions
    scope_labels: list[str]  # in the reader's language
    claim_labels: list[str]
    granted_at: dt.datetime
    last_release: dt.datetime | None
    active: bool  # the partner is approved and the client enabled


async def last_releases(session: AsyncSession, citizen_id: uuid.UUID) -> dict[str, dt.datetime]:
    """When each service last received the citizen's data (from the audit log)."""
    rows = await session.execute(
        select(AuditEvent.at, AuditEvent.data)
        .where(AuditEvent.citizen_id == citizen_id, AuditEvent.action == "oidc.claims_released")
        .order_by(AuditEvent.id.desc())
        .limit(RELEASES_READ)
    )
    last: dict[str, dt.datetime] = {}
    for at, data in rows:
        client_id = str((data or {}).get("client_id", ""))
        if client_id and client_id not in last:
            last[client_id] = at
    return last


async def connected_services(
    *, session: AsyncSession, citizen_id: uuid.UUID
) -> list[ConnectedService]:
    """The services the citizen has a standing consent with, newest consent first."""
    rows = (
        await session.scalars(
            select(Consent)
            .where(Consent.citizen_id == citizen_id, Consent.revoked_at.is_(None))
            .order_by(Consent.granted_at.desc())
        )
    ).all()
    if not rows:
        return []
    releases = await last_releases(session, citizen_id)
    services = []
    for row in rows:
        client = await load_client(session, row.client_id)
        if client is None:
            continue
        claims = [c for c in ordered(row.claims) if c not in COMPANIONS]
        services.append(
            ConnectedService(
                client_id=row.client_id,
                service=client.name,
                partner=client.partner_name,
                purpose=client.purpose,
                scopes=list(row.scopes),
                claims=claims,
                scope_labels=[scope_label(s) for s in row.scopes],
                claim_labels=[claim_label(c) for c in claims],
                granted_at=row.granted_at,
                last_release=releases.get(row.client_id),
                active=client.usable,
            )
        )
    return services


# ---------------------------------------------------------------- the activity log


def _claim_labels(data: dict[str, Any]) -> str:
    names = [c for c in ordered(data.get("claims") or ()) if c not in COMPANIONS]
    return ", ".join(claim_label(c) for c in names)


def _service_name(data: dict[str, Any]) -> str:
    """The service, and its partner when the name differs: "Đăng ký tạm trú (Cổng DVC)"."""
    partner = str(data.get("partner") or "")
    service = str(data.get("service") or partner or data.get("client_id") or "")
    return f"{service} ({partner})" if partner and partner != service else service


@explains("oidc.claims_released")
def _released(data: dict[str, Any]) -> str:
    return gettext(
        N_("%(service)s received: %(claims)s"),
        service=_service_name(data),
        claims=_claim_labels(data) or "—",
    )


@explains("oidc.household_released")
def _household(data: dict[str, Any]) -> str:
    return gettext(
        N_("%(service)s received the household you belong to, with a member's consent"),
        service=_service_name(data),
    )


@explains("oidc.consent_granted")
def _granted(data: dict[str, Any]) -> str:
    return gettext(
        N_("%(service)s may receive: %(claims)s"),
        service=_service_name(data),
        claims=_claim_labels(data) or "—",
    )


@explains("oidc.consent_revoked")
@explains("oidc.signed_in")
def _service_only(data: dict[str, Any]) -> str:
    return _service_name(data)
