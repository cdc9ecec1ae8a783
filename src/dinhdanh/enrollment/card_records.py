"""The produced card in the officer's view of the record: the QR drawn, the MRZ, the chip's
files for download (DG1, DG2, DG13, EF.SOD: the level-1 registration in the app reads
them), the printable card, and opening a record from a card's QR text.

A card is reached through its holder: the citizen must lie inside the caller's scope,
exactly as for the record itself. Every download and every printable card is an
audited read of the citizen's data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment import card_print, card_qr, chip
from dinhdanh.enrollment.application_models import CardApplication, CardChip
from dinhdanh.enrollment.approval import dg2_context
from dinhdanh.enrollment.steps import EnrollmentTools
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import NotFound, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.population.identity import identity
from dinhdanh.population.scope import covers_citizen, not_found
from dinhdanh.population.service import audit_citizen, load_citizen

# The chip's files as the level-1 registration uploads them.
CHIP_FILES: Final = {"dg1": "DG1.bin", "dg2": "DG2.bin", "dg13": "DG13.bin", "sod": "EF_SOD.bin"}
NO_CHIP: Final = N_("This card has no chip data.")
QR_ERRORS: Final = {
    "format": N_("This is not a card's QR text: 7 fields separated by '|'."),
    "personal_id": N_("The QR's personal ID is not 12 digits."),
    "legacy_id": N_("The QR's old ID number is not valid."),
    "full_name": N_("The QR holds no name."),
    "birth_date": N_("The QR's date of birth is not DDMMYYYY."),
    "sex": N_("The QR's sex is not Nam or Nữ."),
    "residence": N_("The QR's residence cannot be read."),
    "issue_date": N_("The QR's issue date is not DDMMYYYY."),
}


@dataclass(frozen=True)
class ChipSummary:
    """What the record page shows of a card's chip."""

    card_id: uuid.UUID
    qr_text: str
    mrz: list[str]
    signer_kid: str
    created_at: dt.datetime


async def chips_of(
    session: AsyncSession, card_ids: list[uuid.UUID]
) -> dict[uuid.UUID, ChipSummary]:
    """The chip summaries of these cards (the files themselves are not read)."""
    if not card_ids:
        return {}
    rows = await session.execute(
        select(
            CardChip.card_id,
            CardChip.qr_text,
            CardChip.mrz,
            CardChip.signer_kid,
            CardChip.created_at,
        ).where(CardChip.card_id.in_(card_ids))
    )
    return {
        r.card_id: ChipSummary(r.card_id, r.qr_text, r.mrz.split("\n"), r.signer_kid, r.created_at)
        for r in rows
    }


async def _chip(
    session: AsyncSession, principal: Principal, citizen_id: str, card_id: str
) -> tuple[uuid.UUID, CardChip]:
    """The chip of one of the citizen's cards, the citizen inside the caller's scope."""
    citizen = await load_citizen(session=session, scope=principal.scope, citizen_id=citizen_id)
    try:
        wanted = uuid.UUID(card_id)
    except ValueError:
        raise NotFound(NO_CHIP, type="chip-not-found") from None
    row = await session.scalar(
        select(CardChip)
        .join(CardApplication, CardApplication.id == CardChip.application_id)
        .where(CardChip.card_id == wanted, CardApplication.citizen_id == citizen.id)
    )
    if row is None:
        raise NotFound(NO_CHIP, type="chip-not-found")
    return citizen.id, row


async def chip_file(
    *,
    session: AsyncSession,
    tools: EnrollmentTools,
    principal: Principal,
    citizen_id: str,
    card_id: str,
    name: str,
) -> tuple[bytes, str]:
    """One of the chip's files and its download name (audited read)."""
    if name not in CHIP_FILES:
        raise NotFound(NO_CHIP, type="chip-not-found")
    holder, row = await _chip(session, principal, citizen_id, card_id)
    if name == "dg2":
        data = tools.cipher.decrypt_bytes(row.dg2_enc, context=dg2_context(row.card_id))
    else:
        data = getattr(row, name)
    await audit_citizen(
        session, principal, "enrollment.card.chip_read", holder, {"card_id": card_id, "file": name}
    )
    return data, CHIP_FILES[name]


async def printable(
    *,
    session: AsyncSession,
    tools: EnrollmentTools,
    principal: Principal,
    citizen_id: str,
    card_id: str,
    side: str,
) -> bytes:
    """One side of the printable card as SVG (audited read)."""
    if side not in card_print.SIDES:
        raise NotFound()
    holder, row = await _chip(session, principal, citizen_id, card_id)
    data = chip.parse_dg13(row.dg13)
    if side == "front":
        dg2 = tools.cipher.decrypt_bytes(row.dg2_enc, context=dg2_context(row.card_id))
        svg = card_print.front(data, chip.parse_dg2(dg2))
    else:
        svg = card_print.back(data, row.qr_text, row.mrz.split("\n"))
    await audit_citizen(
        session, principal, "enrollment.card.printed", holder, {"card_id": card_id, "side": side}
    )
    return svg


async def open_by_qr(*, session: AsyncSession, principal: Principal, text: str) -> uuid.UUID:
    """The citizen a card's QR text names, when inside the caller's scope (audited)."""
    try:
        parsed = card_qr.parse_qr_text(text or "")
    except card_qr.CardQrError as exc:
        raise ValidationProblem(errors=[field_error("qr_text", QR_ERRORS[exc.field])]) from None
    who = await identity(session=session, personal_id=parsed.personal_id)
    if who is None or not covers_citizen(principal.scope, who):
        raise not_found()
    await audit_citizen(session, principal, "enrollment.card.qr_scanned", who.id)
    return who.id
