"""The application page's capture forms: contact details, data corrections, dependants,
checked documents, and the face and fingerprint images (camera or file)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dinhdanh.enrollment import applications, biometrics, capture
from dinhdanh.enrollment.officer_pages import back_to, shown_again, step
from dinhdanh.enrollment.web import Officer, Tools, read_form_image
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, submit

router = APIRouter(prefix="/officer/applications/{application_id}", include_in_schema=False)


@router.post("/details")
async def details_form(
    request: Request, application_id: str, session: Session, principal: Officer
) -> Response:
    """Phone, e-mail, the account wish and the identifying marks."""
    return await step(
        request, session, principal, application_id, "details",
        lambda v: applications.update_details(
            session=session, principal=principal, application_id=application_id,
            phone=v.get("phone", ""), email=v.get("email", ""),
            wants_account=v.get("wants_account") == "on",
            identifying_marks=v.get("identifying_marks", ""),
        ),
    )  # fmt: skip


@router.post("/changes")
async def changes_form(
    request: Request, application_id: str, session: Session, principal: Officer
) -> Response:
    """Corrections of the person's and relatives' data (kept until approval)."""
    return await step(
        request, session, principal, application_id, "changes",
        lambda v: capture.capture_changes(
            session=session, principal=principal, application_id=application_id, values=v
        ),
    )  # fmt: skip


@router.post("/dependants")
async def dependant_form(
    request: Request, application_id: str, session: Session, principal: Officer
) -> Response:
    """Add a child under 14 or a ward with the papers presented."""
    return await step(
        request, session, principal, application_id, "dependant",
        lambda v: capture.add_dependant(
            session=session, principal=principal, application_id=application_id,
            personal_id=v.get("personal_id", ""), relation=v.get("relation", ""),
            papers=v.get("papers", ""),
        ),
    )  # fmt: skip


@router.post("/dependants/{dependant_id}/remove")
async def dependant_remove_form(
    request: Request, application_id: str, dependant_id: str, session: Session, principal: Officer
) -> Response:
    """Take a dependant off the application."""
    return await step(
        request, session, principal, application_id, "dependant",
        lambda _: capture.remove_dependant(
            session=session, principal=principal, application_id=application_id,
            dependant_id=dependant_id,
        ),
    )  # fmt: skip


@router.post("/documents")
async def document_form(
    request: Request, application_id: str, session: Session, tools: Tools, principal: Officer
) -> Response:
    """Record a document whose original was checked."""
    return await step(
        request, session, principal, application_id, "document",
        lambda v: capture.add_document(
            session=session, tools=tools, principal=principal, application_id=application_id,
            data=capture.DocumentIn(
                kind=v.get("kind", ""), number=v.get("number", ""),
                issued_on=v.get("issued_on", ""), expires_on=v.get("expires_on", ""),
            ),
        ),
    )  # fmt: skip


@router.post("/documents/{document_id}/remove")
async def document_remove_form(
    request: Request, application_id: str, document_id: str, session: Session, principal: Officer
) -> Response:
    """Take a document off the application."""
    return await step(
        request, session, principal, application_id, "document",
        lambda _: capture.remove_document(
            session=session, principal=principal, application_id=application_id,
            document_id=document_id,
        ),
    )  # fmt: skip


@router.post("/biometrics")
async def biometric_form(
    request: Request, application_id: str, session: Session, tools: Tools, principal: Officer
) -> Response:
    """The face (camera snapshot or file) or a fingerprint image, checked and encrypted."""
    failed = shown_again(request, session, principal, application_id, "biometric")
    try:
        data, fields = await read_form_image(request)
    except Problem as problem:
        return await failed(problem)
    return await submit(
        biometrics.capture_image(
            session=session,
            tools=tools,
            principal=principal,
            application_id=application_id,
            position=fields.get("position", ""),
            data=data,
            source=fields.get("source", "upload"),
        ),
        then=back_to(application_id, "biometric"),
        failed=failed,
    )


@router.get("/biometrics/{position}")
async def biometric_image(
    application_id: str, position: str, session: Session, tools: Tools, principal: Officer
) -> Response:
    """A captured image for the officer's screen (an audited read, never cached)."""
    data, media_type = await biometrics.read_image(
        session=session,
        tools=tools,
        principal=principal,
        application_id=application_id,
        position=position,
    )
    return Response(data, media_type=media_type, headers={"Cache-Control": "no-store"})
