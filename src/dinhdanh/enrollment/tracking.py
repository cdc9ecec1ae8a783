"""The applicant follows the application: by reference and personal ID on the public status
page, or signed in, in the app. Only the application's state is told (kind, state, dates,
the unit, the reason of a refusal): never the person's data.

The public look-up answers an unknown reference and a wrong personal ID alike, and is
rate-limited by the route; a successful one is audited on the citizen's activity.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment.application_models import CardApplication
from dinhdanh.enrollment.labels import label
from dinhdanh.enrollment.steps import clean_reference, format_reference, overdue, record_step
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import NotFound
from dinhdanh.platform.i18n import N_
from dinhdanh.population.identity import identity
from dinhdanh.staff.units import get_unit

NO_MATCH = N_("No application matches this reference and personal ID.")


@dataclass(frozen=True)
class ApplicationStatus:
    """What the applicant sees of an application."""

    reference: str
    kind: str
    reason: str | None
    status: str
    status_label: str
    unit_name: str
    opened_on: dt.date
    due_on: dt.date
    overdue: bool
    decided_on: dt.date | None
    decision_reason: str | None
    wants_account: bool


def _local_date(at: dt.datetime | None) -> dt.date | None:
    """The day (in Vietnam) of a moment."""
    return at.astimezone(clock.VIETNAM).date() if at else None


async def _status(session: AsyncSession, application: CardApplication) -> ApplicationStatus:
    try:
        unit_name = (await get_unit(session, application.unit_code)).name
    except NotFound:
        unit_name = application.unit_code
    return ApplicationStatus(
        reference=format_reference(application.reference),
        kind=application.kind,
        reason=application.reason,
        status=application.status,
        status_label=label("status", application.status),
        unit_name=unit_name,
        opened_on=application.opened_at.astimezone(clock.VIETNAM).date(),
        due_on=application.due_on,
        overdue=overdue(application),
        decided_on=_local_date(application.decided_at),
        # A cancellation's note is the office's; a refusal's reason is for the applicant.
        decision_reason=application.decision_reason if application.status == "rejected" else None,
        wants_account=application.wants_account,
    )


async def public_status(
    *, session: AsyncSession, principal: Principal, reference: str, personal_id: str
) -> ApplicationStatus:
    """The state of the application with this reference, when the personal ID is its
    applicant's (one answer for every mismatch)."""
    ref = clean_reference(reference)
    pid = "".join((personal_id or "").split())
    application = (
        await session.scalar(select(CardApplication).where(CardApplication.reference == ref))
        if ref
        else None
    )
    who = (
        await identity(session=session, citizen_id=application.citizen_id) if application else None
    )
    if application is None or who is None or who.personal_id != pid:
        raise NotFound(NO_MATCH, type="application-not-found")
    await record_step(session, principal, application, "enrollment.application.status_checked")
    return await _status(session, application)


async def own_applications(
    *, session: AsyncSession, citizen_id: uuid.UUID
) -> list[ApplicationStatus]:
    """The signed-in citizen's own applications, newest first."""
    rows = await session.scalars(
        select(CardApplication)
        .where(CardApplication.citizen_id == citizen_id)
        .order_by(CardApplication.opened_at.desc())
    )
    return [await _status(session, a) for a in rows]


async def own_application(
    *, session: AsyncSession, citizen_id: uuid.UUID, reference: str
) -> ApplicationStatus:
    """One of the signed-in citizen's applications by its reference."""
    application = await session.scalar(
        select(CardApplication).where(
            CardApplication.reference == clean_reference(reference),
            CardApplication.citizen_id == citizen_id,
        )
    )
    if application is None:
        raise NotFound(N_("No application with this reference."), type="application-not-found")
    return await _status(session, application)
