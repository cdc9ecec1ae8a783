"""The partner registry: register an organisation, find it, approve, suspend, reinstate.
Every change is audited in the same transaction; a suspension also announces
`partner.suspended`, on which the OpenID provider ends the partner's tokens."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.service import clean_email
from dinhdanh.partners.clients import forget_cached_clients
from dinhdanh.partners.models import PARTNER_KINDS, PARTNER_STATUSES, Partner
from dinhdanh.platform import audit, clock, events
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, NotFound, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.text import clean_line, clean_text

# A business registration number ("0100109106", "0100109106-001") or a budget-unit code.
REGISTRATION_CODE_RE: Final = re.compile(r"[0-9A-Z][0-9A-Z./-]{2,31}")


async def audit_partner(
    session: AsyncSession,
    actor: Principal,
    action: str,
    *,
    subject_type: str = "partner",
    subject_id: uuid.UUID | str,
    data: dict[str, Any] | None = None,
) -> None:
    """Write the audit event of a change to a partner or one of its clients."""
    await audit.record(
        session,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        data=data,
    )


# ---------------------------------------------------------------- registration


@dataclass
class NewPartner:
    """What an administrator enters to register an organisation."""

    name: str
    kind: str
    registration_code: str
    contact_email: str
    website: str = ""


def _clean_website(value: str, errors: list[dict[str, Any]]) -> str | None:
    website = (value or "").strip()
    if not website:
        return None
    parts = urlsplit(website)
    if (
        len(website) > 300
        or parts.scheme not in ("https", "http")
        or not parts.netloc
        or not website.isprintable()
        or " " in website
    ):
        errors.append(field_error("website", "Enter the website as https://…"))
    return website


def _clean_new_partner(data: NewPartner) -> NewPartner:
    errors: list[dict[str, Any]] = []
    name = clean_line(data.name)
    if not 2 <= len(name) <= 200:
        errors.append(field_error("name", "Enter the organisation's name (2 to 200 characters)."))
    if data.kind not in PARTNER_KINDS:
        errors.append(field_error("kind", "Choose a kind of organisation from the list."))
    code = clean_line(data.registration_code).upper()
    if not REGISTRATION_CODE_RE.fullmatch(code):
        errors.append(
            field_error(
                "registration_code",
                "A registration code has 3 to 32 characters: letters, digits, '-', '.' or '/'.",
            )
        )
    email = clean_email(data.contact_email)
    if not email:
        errors.append(field_error("contact_email", "Enter a valid e-mail address."))
    website = _clean_website(data.website, errors)
    if errors:
        raise ValidationProblem(errors=errors)
    return NewPartner(name, data.kind, code, email or "", website or "")


def _code_taken() -> Conflict:
    return Conflict(
        "An organisation with this registration code is already registered.",
        type="registration-code-taken",
        errors=[field_error("registration_code", "This registration code is already registered.")],
    )


async def register_partner(session: AsyncSession, *, actor: Principal, data: NewPartner) -> Partner:
    """Register an organisation, pending approval (a registration code registers once)."""
    clean = _clean_new_partner(data)
    taken = await session.scalar(
        select(Partner.id).where(Partner.registration_code == clean.registration_code)
    )
    if taken is not None:
        raise _code_taken()
    partner = Partner(
        name=clean.name,
        kind=clean.kind,
        registration_code=clean.registration_code,
        contact_email=clean.contact_email,
        website=clean.website or None,
        status="pending",
        status_changed_at=clock.now(),
    )
    try:
        # A savepoint: the same code registered at the same moment fails cleanly.
        async with session.begin_nested():
            session.add(partner)
    except IntegrityError:
        raise _code_taken() from None
    await audit_partner(
        session,
        actor,
        "partner.registered",
        subject_id=partner.id,
        data={"name": partner.name, "kind": partner.kind, "code": partner.registration_code},
    )
    return partner


# ---------------------------------------------------------------- reading


@dataclass
class PartnerFilter:
    """Filters of the partner list."""

    kind: str | None = None
    status: str | None = None
    q: str | None = None


@dataclass
class PartnerPage:
    """One page of partners (by name) and the total that matched."""

    partners: list[Partner]
    total: int
    offset: int
    limit: int


async def list_partners(
    session: AsyncSession, *, filters: PartnerFilter, offset: int = 0, limit: int = 50
) -> PartnerPage:
    """Partners matching the filters (kind, status, a name / code / e-mail fragment)."""
    query = select(Partner)
    if filters.kind in PARTNER_KINDS:
        query = query.where(Partner.kind == filters.kind)
    if filters.status in PARTNER_STATUSES:
        query = query.where(Partner.status == filters.status)
    needle = clean_line(filters.q)[:100].lower()
    if needle:
        query = query.where(
            or_(
                func.lower(Partner.name).contains(needle, autoescape=True),
                func.lower(Partner.registration_code).contains(needle, autoescape=True),
                func.lower(Partner.contact_email).contains(needle, autoescape=True),
            )
        )
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(Partner.name, Partner.id).offset(offset).limit(limit)
    )
    return PartnerPage(list(rows), int(total or 0), offset, limit)


def parse_partner_id(value: str | uuid.UUID) -> uuid.UUID | None:
    """A partner id from a URL, or None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def get_partner(
    session: AsyncSession, partner_id: str | uuid.UUID, *, for_update: bool = False
) -> Partner:
    """One partner, or NotFound (`for_update` locks the row for a status change)."""
    parsed = parse_partner_id(partner_id)
    if parsed is None:
        raise NotFound()
    query = select(Partner).where(Partner.id == parsed)
    partner = await session.scalar(query.with_for_update() if for_update else query)
    if partner is None:
        raise NotFound()
    return partner


# ---------------------------------------------------------------- status


_NOT_NOW: Final = {
    ("approved", "pending"): N_("Only a partner waiting for approval can be approved."),
    ("suspended", "approved"): N_("Only an approved partner can be suspended."),
    ("approved", "suspended"): N_("Only a suspended partner can be reinstated."),
}


def _clean_reason(value: str, *, required: bool) -> str:
    reason = clean_text(value)
    if (required and len(reason) < 5) or len(reason) > 500:
        message = (
            N_("Write the reason (5 to 500 characters).")
            if required
            else N_("At most 500 characters.")
        )
        raise ValidationProblem(errors=[field_error("reason", message)])
    return reason


async def _change_status(
    session: AsyncSession,
    *,
    actor: Principal,
    partner_id: str | uuid.UUID,
    allowed_from: str,
    to: str,
    action: str,
    reason: str | None,
) -> Partner:
    partner = await get_partner(session, partner_id, for_update=True)
    if partner.status != allowed_from:
        raise Conflict(_NOT_NOW[to, allowed_from], type=f"partner-not-{allowed_from}")
    previous = partner.status
    partner.status = to
    partner.status_reason = reason or None
    partner.status_changed_at = clock.now()
    await session.flush()
    forget_cached_clients()  # this process's token endpoint sees the new status at once
    data: dict[str, Any] = {"from": previous, "to": to}
    if reason:
        data["reason"] = reason
    await audit_partner(session, actor, action, subject_id=partner.id, data=data)
    return partner


async def approve_partner(
    session: AsyncSession, *, actor: Principal, partner_id: str | uuid.UUID
) -> Partner:
    """Approve a pending partner: its enabled clients start working."""
    return await _change_status(
        session,
        actor=actor,
        partner_id=partner_id,
        allowed_from="pending",
        to="approved",
        action="partner.approved",
        reason=None,
    )


async def suspend_partner(
    session: AsyncSession, *, actor: Principal, partner_id: str | uuid.UUID, reason: str
) -> Partner:
    """Suspend an approved partner, with a written reason: every client is refused and,
    through `partner.suspended`, every token it holds ends."""
    why = _clean_reason(reason, required=True)
    partner = await _change_status(
        session,
        actor=actor,
        partner_id=partner_id,
        allowed_from="approved",
        to="suspended",
        action="partner.suspended",
        reason=why,
    )
    await events.publish(session, events.PARTNER_SUSPENDED, actor=actor, partner_id=partner.id)
    return partner


async def reinstate_partner(
    session: AsyncSession, *, actor: Principal, partner_id: str | uuid.UUID, reason: str = ""
) -> Partner:
    """Lift a suspension: the partner is approved again (citizens sign in afresh)."""
    return await _change_status(
        session,
        actor=actor,
        partner_id=partner_id,
        allowed_from="suspended",
        to="approved",
        action="partner.reinstated",
        reason=_clean_reason(reason, required=False),
    )
