"""The application page's capture forms: contact details, data corrections, dependants,
checked documents, and the face and fingerprint images (camera or file)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from dinhdanh.enrollment import applications, biometrics, capture
from dinhdanh.enrollment.officer_pages import Step
from dinhdanh.enrollment.web import Officer, Tools, private_file, read_form_image
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, submit

router = APIRouter(prefix="/officer/applications/{application_id}", include_in_schema=False)


@router.post("/details")
async def details_form(step: Step) -> Response:
    """Phone, e-mail, the account wish and the identifying marks."""
    return await step.run(
        "details",
        lambda v: applications.update_details(
            **step.on,
            phone=v.get("phone", ""),
            email=v.get("email", ""),
            wants_account=v.get("wants_account") == "on",
            identifying_marks=v.get("identifying_marks", ""),
        ),
    )


@router.post("/changes")
async def changes_form(step: Step) -> Response:
    """Corrections of the person's and relatives' data (kept until approval)."""
    return await step.run("changes", lambda v: capture.capture_changes(**step.on, values=v))


@router.post("/dependants")
async def dependant_form(step: Step) -> Response:
    """Add a child under 14 or a ward with the papers presented."""
    return await step.run(
        "dependant",
        lambda v: capture.add_dependant(
            **step.on,
            personal_id=v.get("personal_id", ""),
            relation=v.get("relation", ""),
            papers=v.get("papers", ""),
        ),
    )


@router.post("/dependants/{dependant_id}/remove")
async def dependant_remove_form(dependant_id: str, step: Step) -> Response:
    """Take a dependant off the application."""
    return await step.run(
        "dependant", lambda _: capture.remove_dependant(**step.on, dependant_id=dependant_id)
    )


@router.post("/documents")
async def document_form(step: Step) -> Response:
    """Record a document whose original was checked."""
    return await step.run(
        "document",
        lambda v: capture.add_document(
            **step.on,
            tools=step.tools,
            data=capture.DocumentIn(
                kind=v.get("kind", ""),
                number=v.get("number", ""),
                issued_on=v.get("issued_on", ""),
                expires_on=v.get("expires_on", ""),
            ),
        ),
    )


@router.post("/documents/{document_id}/remove")
async def document_remove_form(document_id: str, step: Step) -> Response:
    """Take a document off the application."""
    return await step.run(
        "document", lambda _: capture.remove_document(**step.on, document_id=document_id)
    )


@router.post("/biometrics")
async def biometric_form(step: Step) -> Response:
    """The face (camera snapshot or file) or a fingerprint image, checked and encrypted."""
    failed = step.shown_again("biometric")
    try:
        data, fields = await read_form_image(step.request)
    except Problem as problem:
        return await failed(problem)
    return await submit(
        biometrics.capture_image(
            **step.on,
            tools=step.tools,
            position=fields.get("position", ""),
            data=data,
            source=fields.get("source", "upload"),
        ),
        then=step.back("biometric"),
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
    return private_file(data, media_type)
