"""The card in the officer's console: the "Card" section of the citizen's record (QR drawn,
MRZ, chip files, printable card, the application in progress or a button to open one),
the chip downloads, the print page, and opening a record from a card's QR."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment import card_qr, card_records
from dinhdanh.enrollment.applications import active_application
from dinhdanh.enrollment.labels import label
from dinhdanh.enrollment.officer_pages import form_values
from dinhdanh.enrollment.steps import format_reference
from dinhdanh.enrollment.web import Officer, Tools, private_file
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.web import Session, render_form
from dinhdanh.population.pages import RecordSection, record_section
from dinhdanh.population.service import CitizenRecord

router = APIRouter(include_in_schema=False)
CARD_PATH = "/registry/citizens/{citizen_id}/cards/{card_id}"


@record_section
async def card_section(
    session: AsyncSession, principal: Principal, record: CitizenRecord
) -> RecordSection | None:
    """The record's "Card" section, for officers and supervisors."""
    if not principal.has_role("officer", "supervisor"):
        return None
    chips = await card_records.chips_of(session, [k.id for k in record.cards])
    shown = [
        (card, chips[card.id], Markup(card_qr.qr_svg(chips[card.id].qr_text).decode()))  # noqa: S704
        for card in record.cards
        if card.id in chips
    ]
    application = await active_application(
        session=session, principal=principal, citizen_id=record.id
    )
    return RecordSection(
        "enrollment/record_card.html",
        {
            "chips": shown,
            "application": application,
            "reference": format_reference(application.reference) if application else "",
            "label": label,
        },
    )


@router.get(CARD_PATH + "/chip/{name}")
async def chip_download(
    citizen_id: str, card_id: str, name: str, session: Session, tools: Tools, principal: Officer
) -> Response:
    """One of the chip's files (DG1, DG2, DG13, EF.SOD) as the phone's NFC read gives it."""
    data, filename = await card_records.chip_file(
        session=session,
        tools=tools,
        principal=principal,
        citizen_id=citizen_id,
        card_id=card_id,
        name=name,
    )
    return private_file(data, "application/octet-stream", download_as=filename)


@router.get(CARD_PATH + "/print/{side}.svg")
async def printable_side(
    citizen_id: str, card_id: str, side: str, session: Session, tools: Tools, principal: Officer
) -> Response:
    """One side of the printable card (SVG at the ID-1 size)."""
    svg = await card_records.printable(
        session=session,
        tools=tools,
        principal=principal,
        citizen_id=citizen_id,
        card_id=card_id,
        side=side,
    )
    return private_file(svg, "image/svg+xml")


@router.get(CARD_PATH + "/print", response_class=HTMLResponse)
async def print_page(
    request: Request, citizen_id: str, card_id: str, session: Session, principal: Officer
) -> Response:
    """The print-friendly page: both sides at the card's size."""
    return render_form(
        request, "enrollment/card_print.html", citizen_id=citizen_id, card_id=card_id
    )


async def _scan_page(request: Request, problem: Problem | None = None, text: str = "") -> Response:
    return render_form(request, "enrollment/scan.html", problem, qr_text=text)


@router.get("/registry/scan", response_class=HTMLResponse)
async def scan_page(request: Request, principal: Officer) -> Response:
    """Scan a card's QR with the camera, or paste its text, to open the record."""
    return await _scan_page(request)


@router.post("/registry/scan")
async def scan_form(request: Request, session: Session, principal: Officer) -> Response:
    """Open the record the QR text names (inside the unit)."""
    text = form_values(await request.form()).get("qr_text", "")
    try:
        citizen_id = await card_records.open_by_qr(session=session, principal=principal, text=text)
    except Problem as problem:
        return await _scan_page(request, problem, text)
    return RedirectResponse(f"/registry/citizens/{citizen_id}", status_code=303)
