"""ID card events an officer records: a card revoked or seized, and a seized card handed back.

Each writes the citizen's history and one audit event in the caller's transaction and
publishes a registry event (`card.revoked`, `card.restored`), through which the accounts
context locks or unlocks the e-ID account in the same unit of work (Law on Identity
Art. 34: the account locks with a revoked or seized card and unlocks when that ends).
"""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform import clock, events
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, NotFound
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.text import clean_text
from dinhdanh.population.changes import log_change
from dinhdanh.population.models import Citizen, IdCard
from dinhdanh.population.rules import Checker
from dinhdanh.population.service import audit_citizen, card_status, load_citizen

REVOKE_REASONS: Final = ("revoked", "seized")
NOTE_MAX: Final = 500
NO_CARD: Final = N_("This citizen has no ID card with this reference.")


async def _card(
    session: AsyncSession, principal: Principal, citizen_id: uuid.UUID | str, card_id: str
) -> tuple[Citizen, IdCard]:
    """The citizen (inside the caller's scope) and one of their cards, locked for update."""
    citizen = await load_citizen(
        session=session, scope=principal.scope, citizen_id=citizen_id, for_update=True
    )
    try:
        wanted = uuid.UUID(str(card_id))
    except ValueError:
        raise NotFound(NO_CARD, type="card-not-found") from None
    card = await session.scalar(
        select(IdCard).where(IdCard.id == wanted, IdCard.citizen_id == citizen.id).with_for_update()
    )
    if card is None:
        raise NotFound(NO_CARD, type="card-not-found")
    return citizen, card


def _check_note(checker: Checker, note: str, *, required: bool) -> str:
    text = clean_text(note)
    if required and not text:
        checker.add("note", N_("Write the grounds (decision number, record of the seizure)."))
    elif len(text) > NOTE_MAX:
        checker.add("note", N_("At most %(n)s characters."), n=NOTE_MAX)
    return text


async def revoke_card(
    *,
    session: AsyncSession,
    principal: Principal,
    citizen_id: uuid.UUID | str,
    card_id: str,
    reason: str,
    note: str,
) -> IdCard:
    """Revoke or seize a valid card (audited); the holder's e-ID account locks with it."""
    checker = Checker()
    if reason not in REVOKE_REASONS:
        checker.add("reason", N_("Choose revoked or seized."))
    text = _check_note(checker, note, required=True)
    checker.raise_if_any()
    citizen, card = await _card(session, principal, citizen_id, card_id)
    if card_status(card, clock.today()) != "valid":
        raise Conflict(N_("Only a valid card can be revoked or seized."), type="card-not-valid")
    card.status = reason
    await log_change(
        session,
        principal,
        citizen,
        f"card_{reason}",
        clock.today(),
        {"card_id": str(card.id), "note": text},
    )
    await events.publish(
        session, events.CARD_REVOKED, actor=principal, citizen_id=citizen.id, reason=reason
    )
    await audit_citizen(
        session,
        principal,
        f"population.card.{reason}",
        citizen.id,
        {"card_id": str(card.id), "reason": reason},
    )
    return card


async def restore_card(
    *,
    session: AsyncSession,
    principal: Principal,
    citizen_id: uuid.UUID | str,
    card_id: str,
    note: str = "",
) -> IdCard:
    """Hand a seized card back: valid again (audited); the seizure's account lock ends."""
    checker = Checker()
    text = _check_note(checker, note, required=False)
    checker.raise_if_any()
    citizen, card = await _card(session, principal, citizen_id, card_id)
    if card.status != "seized":
        raise Conflict(N_("Only a seized card can be handed back."), type="card-not-seized")
    if citizen.status == "deceased":
        raise Conflict("The citizen is deceased.", type="citizen-deceased")
    card.status = "valid"
    await log_change(
        session,
        principal,
        citizen,
        "card_restored",
        clock.today(),
        {"card_id": str(card.id), "note": text},
    )
    await events.publish(session, events.CARD_RESTORED, actor=principal, citizen_id=citizen.id)
    await audit_citizen(
        session, principal, "population.card.restored", citizen.id, {"card_id": str(card.id)}
    )
    return card
