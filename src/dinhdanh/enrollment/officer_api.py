"""The officers' card-application API under /api/v1/applications: open, corrections, an
image as the request body, submit, approve, reject, cancel (dependants and documents
are captured on the pages)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.service import mask_phone
from dinhdanh.enrollment import applications, approval, biometrics, capture
from dinhdanh.enrollment.application_models import CardApplication
from dinhdanh.enrollment.steps import format_reference, load_application, overdue
from dinhdanh.enrollment.web import Officer, Tools, read_body_image
from dinhdanh.platform.web import Session

router = APIRouter(prefix="/api/v1/applications", tags=["card applications (officers)"])
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {
    401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 413: PROBLEM, 422: PROBLEM,
    429: PROBLEM,
}  # fmt: skip
Text = Annotated[str, Field(max_length=500)]


class ApplicationIn(BaseModel):
    """Opening an application."""

    citizen_id: str = Field(max_length=40)
    kind: str = Field(max_length=10, description="issue, renew or reissue")
    reason: str = Field(default="", max_length=20)
    phone: str = Field(max_length=20)
    email: str = Field(default="", max_length=254)
    wants_account: bool = False


class ReasonIn(BaseModel):
    """A decision's or a cancellation's reason."""

    reason: Text


class ImageOut(BaseModel):
    """A captured image's description (never its bytes)."""

    position: str
    media_type: str
    width: int
    height: int
    bytes: int


class ApplicationOut(BaseModel):
    """An application as the office sees it."""

    id: uuid.UUID
    reference: str
    citizen_id: uuid.UUID
    kind: str
    reason: str | None
    status: str
    wants_account: bool
    phone: str
    due_on: dt.date
    overdue: bool
    changes: dict[str, Any]
    captured: list[str]
    missing: list[str]
    card_id: uuid.UUID | None
    account_id: uuid.UUID | None
    decision_reason: str | None


async def _out(session: AsyncSession, application: CardApplication) -> ApplicationOut:
    images = await biometrics.captured(session, application)
    return ApplicationOut(
        id=application.id,
        reference=format_reference(application.reference),
        citizen_id=application.citizen_id,
        kind=application.kind,
        reason=application.reason,
        status=application.status,
        wants_account=application.wants_account,
        phone=mask_phone(application.phone),
        due_on=application.due_on,
        overdue=overdue(application),
        changes=application.changes,
        captured=[i.position for i in images],
        missing=await applications.missing_biometrics(session, application)
        if application.status == "open"
        else [],
        card_id=application.card_id,
        account_id=application.account_id,
        decision_reason=application.decision_reason,
    )


@router.get("", response_model=list[ApplicationOut], responses=ERRORS)
async def list_applications(
    session: Session, principal: Officer, state: str = "active"
) -> list[ApplicationOut]:
    """The unit's applications (undecided by default), soonest due first."""
    rows = await applications.unit_applications(session=session, principal=principal, state=state)
    return [await _out(session, r.application) for r in rows]


@router.post("", response_model=ApplicationOut, status_code=201, responses=ERRORS)
async def open_application(
    body: ApplicationIn, session: Session, tools: Tools, principal: Officer
) -> ApplicationOut:
    """Open an application for a citizen of the unit (SMS to the applicant)."""
    application = await applications.open_application(
        session=session,
        tools=tools,
        principal=principal,
        data=applications.NewApplication(**body.model_dump()),
    )
    return await _out(session, application)


@router.get("/{application_id}", response_model=ApplicationOut, responses=ERRORS)
async def get_application(
    application_id: str, session: Session, principal: Officer
) -> ApplicationOut:
    """An application of the unit."""
    application = await load_application(
        session=session, principal=principal, application_id=application_id
    )
    return await _out(session, application)


@router.put("/{application_id}/changes", response_model=ApplicationOut, responses=ERRORS)
async def put_changes(
    application_id: str,
    body: dict[str, Annotated[str, Field(max_length=200)]],
    session: Session,
    principal: Officer,
) -> ApplicationOut:
    """The corrections of the person's and relatives' data (applied on approval)."""
    application = await capture.capture_changes(
        session=session, principal=principal, application_id=application_id, values=body
    )
    return await _out(session, application)


@router.put(
    "/{application_id}/biometrics/{position}",
    response_model=ImageOut,
    status_code=201,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def put_image(
    request: Request,
    application_id: str,
    position: str,
    session: Session,
    tools: Tools,
    principal: Officer,
    source: str = "upload",
) -> ImageOut:
    """The face or a finger as the request body (JPEG or PNG, at most 5 MB)."""
    data = await read_body_image(request)
    image = await biometrics.capture_image(
        session=session,
        tools=tools,
        principal=principal,
        application_id=application_id,
        position=position,
        data=data,
        source=source,
    )
    return ImageOut(
        position=image.position,
        media_type=image.media_type,
        width=image.width,
        height=image.height,
        bytes=image.size,
    )


@router.post("/{application_id}/submit", response_model=ApplicationOut, responses=ERRORS)
async def submit_application(
    application_id: str, session: Session, principal: Officer
) -> ApplicationOut:
    """Capture done: the application waits for another officer's decision."""
    application = await applications.submit_application(
        session=session, principal=principal, application_id=application_id
    )
    return await _out(session, application)


@router.post("/{application_id}/approve", response_model=ApplicationOut, responses=ERRORS)
async def approve_application(
    application_id: str, session: Session, tools: Tools, principal: Officer
) -> ApplicationOut:
    """Approve (another officer than the one who captured): registry, card, account, SMS."""
    application = await approval.approve_application(
        session=session, tools=tools, principal=principal, application_id=application_id
    )
    return await _out(session, application)


@router.post("/{application_id}/reject", response_model=ApplicationOut, responses=ERRORS)
async def reject_application(
    application_id: str, body: ReasonIn, session: Session, tools: Tools, principal: Officer
) -> ApplicationOut:
    """Reject with the reason the applicant reads."""
    application = await approval.reject_application(
        session=session,
        tools=tools,
        principal=principal,
        application_id=application_id,
        reason=body.reason,
    )
    return await _out(session, application)


@router.post("/{application_id}/cancel", response_model=ApplicationOut, responses=ERRORS)
async def cancel_application(
    application_id: str, body: ReasonIn, session: Session, principal: Officer
) -> ApplicationOut:
    """Cancel an undecided application."""
    application = await applications.cancel_application(
        session=session, principal=principal, application_id=application_id, reason=body.reason
    )
    return await _out(session, application)
