"""ID card events an officer records: a card revoked or seized, a seized card handed back,
and a new card issued (by an approved card application).

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
from dinhdanh.population.card_rules import card_expiry, card_kind_for
from dinhdanh.population.changes import deceased, log_change
from dinhdanh.population.models import Citizen, IdCard
from dinhdanh.population.rules import Checker
from dinhdanh.population.service import audit_citizen, card_status, load_citizen, parse_uuid

REVOKE_REASONS: Final = ("revoked", "seized")
# What a new card makes of the current one: replaced (renewal) or lost (reissue).
SUPERSEDED: Final = ("replaced", "lost")
# Cards a person still holds: valid (even past its expiry date) or seized.
HELD: Final = ("valid", "seized")
CARD_ISSUER: Final = "C06"  # the Ministry department that issues cards
NOTE_MAX: Final = 500
NO_CARD: Final = N_("This citizen has no ID card with this reference.")


async def _card(
    session: AsyncSession, principal: Principal, citizen_id: uuid.UUID | str, card_id: str
) -> tuple[Citizen, IdCard]:
    """The citizen (inside the caller's scope) and one of their cards, locked for update."""
    citizen = await load_citizen(
        session=session, scope=principal.scope, citizen_id=citizen_id, for_update=True
    )
    wanted = parse_uuid(card_id)
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


async def _card_event(
    session: AsyncSession,
    principal: Principal,
    citizen: Citizen,
    card: IdCard,
    kind: str,
    note: str,
    event: str,
    **payload: str,
) -> None:
    """What a card's change writes: the citizen's history, the event the accounts context
    reacts to, and the audit event."""
    await log_change(
        session,
        principal,
        citizen,
        f"card_{kind}",
        clock.today(),
        {"card_id": str(card.id), "note": note},
    )
    await events.publish(session, event, actor=principal, citizen_id=citizen.id, **payload)
    await audit_citizen(
        session,
        principal,
        f"population.card.{kind}",
        citizen.id,
        {"card_id": str(card.id), **payload},
    )


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
    await _card_event(
        session, principal, citizen, card, reason, text, events.CARD_REVOKED, reason=reason
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
        raise deceased()
    card.status = "valid"
    await _card_event(session, principal, citizen, card, "restored", text, events.CARD_RESTORED)
    return card


async def held_cards(*, session: AsyncSession, citizen_id: uuid.UUID) -> list[IdCard]:
    """The cards the person still holds (valid, even if expired, or seized), newest first."""
    rows = await session.scalars(
        select(IdCard)
        .where(IdCard.citizen_id == citizen_id, IdCard.status.in_(HELD))
        .order_by(IdCard.issue_date.desc())
    )
    return list(rows)


async def issue_card(
    *,
    session: AsyncSession,
    principal: Principal,
    citizen_id: uuid.UUID,
    supersede: str | None,
    grounds: str,
) -> IdCard:
    """A new valid card numbered with the personal ID, issued today (kind and expiry by the
    Law on Identity); the held card becomes `supersede` ('replaced' or 'lost'; None for a
    first card). Writes the history, publishes `card.issued` and audits, all in the
    caller's transaction. Conflict when another citizen's card has this number, when the
    card to supersede is missing or seized, or when a first card meets a held one."""
    citizen = await load_citizen(
        session=session, scope=principal.scope, citizen_id=citizen_id, for_update=True
    )
    if citizen.status == "deceased":
        raise deceased()
    taken = await session.scalar(
        select(IdCard.id).where(
            IdCard.number == citizen.personal_id, IdCard.citizen_id != citizen.id
        )
    )
    if taken is not None:
        raise Conflict(
            N_(
                "The card number (the personal ID) is already on another citizen's card: "
                "the registry must be corrected first."
            ),
            type="card-number-taken",
        )
    held = await held_cards(session=session, citizen_id=citizen.id)
    if any(k.status == "seized" for k in held):
        raise Conflict(
            N_("The person's card is seized: no new card until it is handed back."),
            type="card-seized",
        )
    if supersede is None and held:
        raise Conflict(
            N_("The person already holds a card: renew or reissue it."), type="card-held"
        )
    if supersede is not None and (supersede not in SUPERSEDED or not held):
        raise Conflict(N_("The person holds no card to renew or reissue."), type="no-card-held")
    today = clock.today()
    for old in held:
        old.status = supersede or old.status
    card = IdCard(
        citizen_id=citizen.id,
        number=citizen.personal_id,
        kind=card_kind_for(today),
        issue_date=today,
        expiry_date=card_expiry(citizen.birth_year, citizen.birth_month, citizen.birth_day, today),
        issuing_unit_code=CARD_ISSUER,
        status="valid",
    )
    session.add(card)
    await session.flush()
    # The history entry and the audit event of the new card; the superseded card's new
    # status is on its own row.
    await _card_event(session, principal, citizen, card, "issued", grounds, events.CARD_ISSUED)
    return card
