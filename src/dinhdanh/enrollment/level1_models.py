"""Level-1 registration tables: the registration a person (or their parent or guardian)
makes for a level-1 account, and the face-check queue the matcher puts the selfie in.

Everything a registration holds of the person's body and card is encrypted at rest with
the FieldCipher (AES-GCM, key id inside): the selfie, the chip's files (DG1, DG2, DG13,
EF.SOD) or the card's QR text; each column has its own encryption context, bound to the
row (`file_context`), so a ciphertext copied to another row or column does not decrypt.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.db import Base, Timestamped, UTCDateTime, new_uuid

# started: phone code sent; phone_verified: the card and selfie may come; face_check:
# every automatic check passed, the face is with the matcher; approved / rejected: decided
# (approved: the account exists); closed: given up (too many refused attempts).
STATES: Final = ("started", "phone_verified", "face_check", "approved", "rejected", "closed")
CHANNELS: Final = ("app", "web", "guardian")
EVIDENCE: Final = ("chip", "qr")
_PENDING_SQL = text("state = 'face_check'")
_OPEN_CHECK_SQL = text("status = 'pending'")


def file_context(registration_id: uuid.UUID, name: str) -> str:
    """The encryption context of one encrypted column of one registration."""
    return f"level1_registrations.{name}:{registration_id}"


class Level1Registration(Timestamped, Base):
    """One attempt to get a level-1 account, from the first step to the decision.

    `checks` names each automatic check passed (phone, passive_authentication, registry,
    card, age, no_account; relation for a guardian's), with a short note where useful.
    `no_chip_verification`: the card came as its QR text only, which carries no signature.
    """

    __tablename__ = "level1_registrations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    channel: Mapped[str] = mapped_column(String(8))
    personal_id: Mapped[str] = mapped_column(String(12), index=True)
    # The registry person the personal ID names (unverified until the card is checked).
    citizen_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citizens.id"))
    phone: Mapped[str] = mapped_column(String(15))
    email: Mapped[str | None] = mapped_column(String(254))
    # The SHA-256 of the registration's bearer token (none for a guardian's registration).
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="started")
    phone_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    evidence: Mapped[str | None] = mapped_column(String(4))
    no_chip_verification: Mapped[bool] = mapped_column(Boolean, default=False)
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    refused_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_refusal: Mapped[str | None] = mapped_column(String(32))
    dg1_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    dg2_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    dg13_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    sod_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    qr_text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    selfie_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    selfie_type: Mapped[str | None] = mapped_column(String(16))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    guardian_account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"))
    relation: Mapped[str | None] = mapped_column(String(8))
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_level1_registrations_citizen", "citizen_id"),
        # One registration with the matcher per person: a second submission waits for it.
        Index(
            "uq_level1_registrations_pending_citizen",
            "citizen_id",
            unique=True,
            sqlite_where=_PENDING_SQL,
            postgresql_where=_PENDING_SQL,
        ),
    )


class FaceCheck(Base):
    """A face comparison waiting in a commune's queue (the officer-queue matcher): the
    selfie beside the card's photo, both encrypted, decided match / no match by an officer
    of the commune of the person's residence."""

    __tablename__ = "face_checks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    # What asked for the check: ("level1", the registration's id).
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"))
    province_code: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    no_chip_verification: Mapped[bool] = mapped_column(Boolean, default=False)
    selfie_enc: Mapped[bytes] = mapped_column(LargeBinary)
    selfie_type: Mapped[str] = mapped_column(String(16))
    reference_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    reference_type: Mapped[str | None] = mapped_column(String(16))
    due_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_unit: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_face_checks_commune_status", "commune_code", "status"),
        Index(
            "ix_face_checks_open_province",
            "province_code",
            postgresql_where=_OPEN_CHECK_SQL,
            sqlite_where=_OPEN_CHECK_SQL,
        ),
    )
