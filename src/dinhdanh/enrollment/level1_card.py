"""Level 1, the card step and the decision: `submit` checks the card (its chip files or
its QR text) and the selfie with every automatic check of `level1_checks`, then hands the
face to the matcher (a QR-only registration always to the officer queue); `finish` acts
on the face's verdict: on a match the level-1 account is created and its initial password
sent by SMS, otherwise the person is asked by SMS to come to the office.

The checks only read: a refused submission writes nothing but what `record_refusal`
counts and audits (committed by the caller while it answers the refusal).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import service as accounts
from dinhdanh.accounts.models import Account
from dinhdanh.enrollment import keys, level1_checks, time_limits
from dinhdanh.enrollment.application_models import CardChip
from dinhdanh.enrollment.approval import dg2_context
from dinhdanh.enrollment.chip import ChipFormatError, FaceImage, parse_dg2
from dinhdanh.enrollment.face_match import LEVEL1_WORKING_DAYS, FaceMatchRequest
from dinhdanh.enrollment.level1 import MAX_REFUSALS, Level1Tools, record, require_state, sms
from dinhdanh.enrollment.level1_checks import CardClaims, Refused, RegistryMatch
from dinhdanh.enrollment.level1_models import Level1Registration, file_context
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import Conflict, Problem
from dinhdanh.platform.i18n import N_


@dataclass(frozen=True)
class CardUpload:
    """What the card step sent: the chip's files, or the QR text, and the selfie."""

    chip_files: list[bytes]
    qr_text: str
    selfie: bytes


async def card_photo(
    session: AsyncSession, cipher: FieldCipher, card_id: uuid.UUID
) -> FaceImage | None:
    """The face on a card this system produced (its stored DG2); None for an older card."""
    chip_row = await session.get(CardChip, card_id)
    if chip_row is None:
        return None
    try:
        return parse_dg2(cipher.decrypt_bytes(chip_row.dg2_enc, context=dg2_context(card_id)))
    except ChipFormatError:
        return None


async def _checked(
    session: AsyncSession,
    registration: Level1Registration,
    chip_files: list[bytes] | None,
    qr_text: str | None,
) -> tuple[CardClaims, RegistryMatch]:
    """Every automatic check, reading only; Refused (or ValidationProblem) on the first
    that fails."""
    if chip_files:
        claims = level1_checks.read_chip(chip_files, await keys.trusted_cscas(session=session))
    elif (qr_text or "").strip():
        claims = level1_checks.read_qr(qr_text or "")
    else:
        raise Refused(
            "card-missing",
            N_("Read the card's chip, or scan its QR code if your phone has no NFC."),
        )
    found = await level1_checks.check_registry(
        session=session, claims=claims, personal_id=registration.personal_id
    )
    level1_checks.check_self_registration_age(found.person)
    if await accounts.account_of_citizen(session, found.person.id) is not None:
        raise Refused(
            "account-exists", N_("Sign in with your personal ID, or use “Forgot your password?”.")
        )
    waiting = await session.scalar(
        select(Level1Registration.id).where(
            Level1Registration.citizen_id == found.person.id,
            Level1Registration.state == "face_check",
        )
    )
    if waiting is not None:
        raise Refused("registration-pending", N_("You will get an SMS when it is decided."))
    return claims, found


def _seal(tools: Level1Tools, registration: Level1Registration, name: str, data: bytes) -> bytes:
    return tools.cipher.encrypt_bytes(data, context=file_context(registration.id, name))


def _keep_evidence(
    tools: Level1Tools, registration: Level1Registration, claims: CardClaims, qr_text: str | None
) -> None:
    files = claims.files or {}
    registration.evidence = claims.evidence
    registration.no_chip_verification = claims.evidence == "qr"
    if claims.evidence == "chip":
        registration.dg1_enc = _seal(tools, registration, "dg1", files[1])
        registration.dg2_enc = _seal(tools, registration, "dg2", files[2])
        registration.dg13_enc = _seal(tools, registration, "dg13", files[13])
        registration.sod_enc = _seal(tools, registration, "sod", files[0])
    else:
        registration.qr_text_enc = _seal(tools, registration, "qr_text", (qr_text or "").encode())


async def submit(
    *,
    session: AsyncSession,
    tools: Level1Tools,
    actor: Principal,
    registration: Level1Registration,
    upload: CardUpload,
) -> Level1Registration:
    """Check the card and the selfie, then hand the face to the matcher (a QR-only
    registration always to the officer queue). Refused names the failed check."""
    selfie, chip_files, qr_text = upload.selfie, upload.chip_files, upload.qr_text
    require_state(registration, "phone_verified")
    if registration.refused_attempts >= MAX_REFUSALS:
        raise Conflict(
            N_("Too many refused attempts: start a new registration."), type="registration-closed"
        )
    selfie_info = level1_checks.check_selfie(selfie)
    claims, found = await _checked(session, registration, chip_files, qr_text)
    # Every check passed: from here on, writes.
    registration.citizen_id = found.person.id
    _keep_evidence(tools, registration, claims, qr_text)
    registration.selfie_enc = _seal(tools, registration, "selfie", selfie)
    registration.selfie_type = selfie_info.media_type
    registration.checks = {
        **registration.checks,
        "passive_authentication": claims.evidence == "chip",
        "registry": True,
        "card": True,
        "age": True,
        "no_account": True,
    }
    registration.state = "face_check"
    registration.submitted_at = clock.now()
    registration.due_on = time_limits.add_working_days(clock.today(), LEVEL1_WORKING_DAYS)
    await session.flush()
    reference = claims.face or await card_photo(session, tools.cipher, found.card.id)
    matcher = tools.matcher if claims.evidence == "chip" else tools.officer_queue
    outcome = await matcher.submit(
        session=session,
        request=FaceMatchRequest(
            subject_kind="level1",
            subject_id=registration.id,
            citizen_id=found.person.id,
            commune_code=found.person.home_commune_code or "",
            selfie=selfie,
            selfie_type=selfie_info.media_type,
            reference=reference.image if reference else None,
            reference_type=reference.media_type if reference else None,
            no_chip_verification=registration.no_chip_verification,
        ),
    )
    await record(
        session,
        actor,
        "level1.submitted",
        registration,
        {
            "evidence": claims.evidence,
            "no_chip_verification": registration.no_chip_verification,
            "reference_photo": reference is not None,
        },
    )
    if outcome.verdict != "pending":
        await finish(
            session=session,
            tools=tools,
            actor=actor,
            registration=registration,
            matched=outcome.verdict == "match",
            reason="automatic",
        )
    return registration


async def record_refusal(
    *, session: AsyncSession, actor: Principal, registration: Level1Registration, refused: Problem
) -> None:
    """Count a refused submission and audit the failed check (the caller commits it while
    answering the refusal); the registration closes at the last allowed refusal."""
    registration.refused_attempts += 1
    registration.last_refusal = refused.type[:32]
    if registration.refused_attempts >= MAX_REFUSALS:
        registration.state = "closed"
    await record(
        session,
        actor,
        "level1.refused",
        registration,
        {"check": refused.type, "attempt": registration.refused_attempts},
    )


# ---------------------------------------------------------------- the decision


async def finish(
    *,
    session: AsyncSession,
    tools: Level1Tools,
    actor: Principal,
    registration: Level1Registration,
    matched: bool,
    reason: str,
) -> Account | None:
    """The face decided. A match creates the level-1 account (its initial password by SMS,
    Conflict when the person got an account meanwhile); no match asks the person, by SMS,
    to come to the commune police with their card."""
    require_state(registration, "face_check")
    registration.decided_at = clock.now()
    registration.decision_reason = reason[:500]
    account = None
    if matched:
        await sms(
            session,
            registration,
            N_(
                "dinhdanh: your level-1 e-ID account is approved. The username is your "
                "personal ID; the initial password comes in the next SMS."
            ),
        )
        account = await accounts.create_account(
            session=session,
            tools=tools.accounts,
            actor=actor,
            data=accounts.NewAccount(
                personal_id=registration.personal_id,
                phone=registration.phone,
                email=registration.email or "",
                level=1,
            ),
        )
        registration.account_id = account.id
        registration.state = "approved"
    else:
        registration.state = "rejected"
        await sms(
            session,
            registration,
            N_(
                "dinhdanh: your e-ID registration could not be approved: the selfie could "
                "not be matched with your card's photo. Please come to your commune police "
                "office with your ID card."
            ),
        )
    registration.checks = {**registration.checks, "face": matched}
    await record(session, actor, "level1.decided", registration, {"matched": matched})
    return account
