"""The face matcher: does the selfie show the person on the card's photo?

An external system behind a Protocol (DESIGN.md), chosen by `Settings.face_matcher`. The
one implementation for now, `OfficerQueueMatcher`, decides nothing itself: it puts the
request in the face-check queue of the commune of the person's residence, the selfie
beside the card photo, for an officer of that commune to decide (`face_queue.py`). An
automatic matcher (a biometric service) would answer "match" or "no_match" at once, or
"pending" when it leaves the case to a person.

The images are encrypted at rest, each bound to its check and role; the queue's due day
counts the legal time limit of a level-1 registration with a valid card: 1 working day
(Decree 69; DOMAIN.md, "Time limits").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment import time_limits
from dinhdanh.enrollment.level1_models import FaceCheck
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.population.reference import commune_info

Verdict = Literal["match", "no_match", "pending"]
LEVEL1_WORKING_DAYS: Final = 1


@dataclass(frozen=True)
class FaceMatchRequest:
    """One comparison: whose face, where they live, the selfie and the reference photo.

    `no_chip_verification`: the card came as its QR text, so nothing vouches for the
    person's data but the registry; such a request must be decided by a person."""

    subject_kind: str
    subject_id: uuid.UUID
    citizen_id: uuid.UUID
    commune_code: str
    selfie: bytes
    selfie_type: str
    reference: bytes | None
    reference_type: str | None
    no_chip_verification: bool = False


@dataclass(frozen=True)
class FaceMatchOutcome:
    """The matcher's answer; `check_id` names the queued check when it is pending."""

    verdict: Verdict
    check_id: uuid.UUID | None = None


class FaceMatcher(Protocol):
    """Compares a selfie with a reference photo, or hands the comparison to a person."""

    async def submit(
        self, *, session: AsyncSession, request: FaceMatchRequest
    ) -> FaceMatchOutcome: ...


def image_context(check_id: uuid.UUID, role: str) -> str:
    """The encryption context of a queued check's image (`selfie` or `reference`)."""
    return f"face_checks.{role}:{check_id}"


class OfficerQueueMatcher:
    """Queues every request for an officer of the person's commune."""

    def __init__(self, cipher: FieldCipher) -> None:
        self.cipher = cipher

    async def submit(self, *, session: AsyncSession, request: FaceMatchRequest) -> FaceMatchOutcome:
        """Add the request to the commune's queue, due in 1 working day; always pending."""
        info = commune_info(request.commune_code)
        check_id = uuid.uuid4()
        check = FaceCheck(
            id=check_id,
            subject_kind=request.subject_kind,
            subject_id=request.subject_id,
            citizen_id=request.citizen_id,
            commune_code=request.commune_code,
            province_code=info.province_code if info else "",
            status="pending",
            no_chip_verification=request.no_chip_verification,
            selfie_enc=self.cipher.encrypt_bytes(
                request.selfie, context=image_context(check_id, "selfie")
            ),
            selfie_type=request.selfie_type,
            reference_enc=(
                self.cipher.encrypt_bytes(
                    request.reference, context=image_context(check_id, "reference")
                )
                if request.reference is not None
                else None
            ),
            reference_type=request.reference_type,
            due_on=time_limits.add_working_days(clock.today(), LEVEL1_WORKING_DAYS),
        )
        session.add(check)
        await session.flush()
        return FaceMatchOutcome("pending", check_id)


def make_face_matcher(settings: Any, cipher: FieldCipher) -> FaceMatcher:
    """The matcher the settings name (only the officer queue exists for now)."""
    if settings.face_matcher == "officer-queue":
        return OfficerQueueMatcher(cipher)
    raise ValueError(f"unknown face matcher {settings.face_matcher!r}")
