"""The decision on a submitted application: approve or reject, by an officer of the unit
who neither opened nor captured it.

Approval is one transaction, in this order: the application locked (a second approval,
a double click, waits and then finds it decided); the captured corrections written to
the registry; the new card issued (numbered with the personal ID; the held card
replaced on renewal, lost on reissue; `card.issued` published); its chip produced and
signed, and stored; the level-2 account created (initial password by SMS) or a level-1
account raised to level 2; the applicant's SMS queued; the audit events written. Any
failure rolls all of it back: no card, no account, no message.
"""

from __future__ import annotations

import uuid
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import service as accounts
from dinhdanh.accounts.models import Account
from dinhdanh.enrollment.application_models import FACE, CardApplication, CardChip
from dinhdanh.enrollment.biometrics import captured, decrypt_image
from dinhdanh.enrollment.card import CardData, ProducedCard, produce_card
from dinhdanh.enrollment.steps import (
    EnrollmentTools,
    clean_reason,
    locked_application,
    mark_decided,
    record_step,
    require_other_officer,
    sms,
)
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.population import cards as registry_cards
from dinhdanh.population import updates
from dinhdanh.population.models import IdCard
from dinhdanh.population.service import CitizenRecord, Place, record_for_release

# What the held card becomes: replaced on renewal, lost on reissue; a first card replaces none.
SUPERSEDE: Final = {"issue": None, "renew": "replaced", "reissue": "lost"}


def dg2_context(card_id: uuid.UUID) -> str:
    """The encryption context of a card's stored face (DG2)."""
    return f"card_chips.dg2:{card_id}"


def _residence(place: Place | None) -> str:
    if place is None:
        return ""
    return ", ".join(p for p in (place.address, place.commune_name, place.province_name) if p)


def _relative_name(record: CitizenRecord, relation: str) -> str:
    return next((p.full_name for p in record.relatives if p.relation == relation), "")


def card_data(
    record: CitizenRecord, card: IdCard, face: bytes, application: CardApplication
) -> CardData:
    """What the card shows and holds, from the registry record as approved."""
    year, month, day = (int(p) for p in record.birth.split("-"))
    return CardData(
        personal_id=record.personal_id,
        family_name=record.family_name,
        middle_name=record.middle_name,
        given_name=record.given_name,
        birth_year=year,
        birth_month=month,
        birth_day=day,
        sex=record.sex,
        nationality="Việt Nam" if record.nationality == "VN" else record.nationality,
        ethnicity=record.ethnicity_name,
        religion=record.religion_name or "Không",
        place_of_origin=record.place_of_origin,
        residence=_residence(record.permanent or record.current or record.temporary),
        issue_date=card.issue_date,
        expiry=card.expiry_date,
        father_name=_relative_name(record, "father"),
        mother_name=_relative_name(record, "mother"),
        face_image=face,
        legacy_id=record.legacy_id or "",
        identifying_marks=application.identifying_marks,
    )


async def store_chip(
    session: AsyncSession,
    cipher: FieldCipher,
    card: IdCard,
    application: CardApplication,
    produced: ProducedCard,
) -> CardChip:
    """Keep the card's machine-readable parts (the face encrypted)."""
    chip = CardChip(
        card_id=card.id,
        application_id=application.id,
        qr_text=produced.qr_text,
        mrz="\n".join(produced.mrz),
        dg1=produced.dg1,
        dg2_enc=cipher.encrypt_bytes(produced.dg2, context=dg2_context(card.id)),
        dg13=produced.dg13,
        sod=produced.sod,
        signer_kid=produced.signer_kid,
    )
    session.add(chip)
    await session.flush()
    return chip


async def grant_account(
    session: AsyncSession,
    tools: EnrollmentTools,
    principal: Principal,
    application: CardApplication,
    personal_id: str,
) -> Account | None:
    """The level-2 account the applicant asked for: created (initial password by SMS), or
    an existing level-1 account raised; None when no account was asked for."""
    if not application.wants_account:
        return None
    account = await accounts.account_of_citizen(session, application.citizen_id)
    if account is None:
        return await accounts.create_account(
            session=session,
            tools=tools.accounts,
            actor=principal,
            data=accounts.NewAccount(
                personal_id=personal_id,
                phone=application.phone,
                email=application.email or "",
                level=2,
            ),
        )
    await accounts.set_level(
        session=session, tools=tools.accounts, actor=principal, account=account, level=2
    )
    return account


async def _face(
    tools: EnrollmentTools, session: AsyncSession, application: CardApplication
) -> bytes:
    for image in await captured(session, application):
        if image.position == FACE:
            return decrypt_image(tools.cipher, image)
    raise ValidationProblem(errors=[field_error(FACE, N_("Not captured yet."))])


async def notify_approved(
    session: AsyncSession, application: CardApplication, account: Account | None
) -> None:
    """The applicant's SMS of the approval."""
    if account is None:
        message = N_("dinhdanh: application %(ref)s is approved; your card is being produced.")
    else:
        message = N_(
            "dinhdanh: application %(ref)s is approved; your card is being produced and your "
            "level-2 e-ID account is ready (the password comes in another SMS if it is new)."
        )
    await sms(session, application, message)


async def _decidable(
    session: AsyncSession, principal: Principal, application_id: str
) -> CardApplication:
    """A submitted application of the unit, locked, that this officer may decide."""
    application = await locked_application(session, principal, application_id, "submitted")
    await require_other_officer(session, principal, application)
    return application


async def approve_application(
    *, session: AsyncSession, tools: EnrollmentTools, principal: Principal, application_id: str
) -> CardApplication:
    """Approve a submitted application: registry, card, chip, account, SMS and audit in the
    caller's one transaction (see the module's docstring)."""
    application = await _decidable(session, principal, application_id)
    grounds = f"card application {application.reference}"
    await updates.apply_changes(
        session=session,
        principal=principal,
        citizen_id=application.citizen_id,
        changes=application.changes,
        grounds=grounds,
    )
    card = await registry_cards.issue_card(
        session=session,
        principal=principal,
        citizen_id=application.citizen_id,
        supersede=SUPERSEDE[application.kind],
        grounds=grounds,
    )
    record = await record_for_release(session=session, citizen_id=application.citizen_id)
    face = await _face(tools, session, application)
    produced = await produce_card(
        card_data(record, card, face, application), session=session, cipher=tools.cipher
    )
    await store_chip(session, tools.cipher, card, application, produced)
    account = await grant_account(session, tools, principal, application, record.personal_id)
    mark_decided(application, principal, "approved")
    application.card_id = card.id
    application.account_id = account.id if account else None
    await notify_approved(session, application, account)
    await record_step(
        session,
        principal,
        application,
        "enrollment.application.approved",
        {"card_id": str(card.id), "account": "created_or_raised" if account else "none"},
    )
    return application


async def reject_application(
    *,
    session: AsyncSession,
    tools: EnrollmentTools,
    principal: Principal,
    application_id: str,
    reason: str,
) -> CardApplication:
    """Reject a submitted application with the reason the applicant will read."""
    application = await _decidable(session, principal, application_id)
    mark_decided(application, principal, "rejected", clean_reason(reason))
    await record_step(session, principal, application, "enrollment.application.rejected")
    await sms(
        session,
        application,
        N_("dinhdanh: application %(ref)s was not approved. The reason is at %(url)s"),
        url=tools.status_url,
    )
    return application
