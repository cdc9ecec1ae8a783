"""Card application tables: the application, its dependants, the documents whose originals
were checked, the captured biometrics (encrypted), and the chip contents of the card an
approval produced."""

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
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.db import Base, UTCDateTime, new_uuid

KINDS: Final = ("issue", "renew", "reissue")
# renew: an age milestone, a damaged card, changed data; reissue: a lost card.
REASONS: Final[dict[str, tuple[str, ...]]] = {
    "issue": (),
    "renew": ("age_milestone", "damaged", "data_changed"),
    "reissue": ("lost",),
}
STATUSES: Final = ("open", "submitted", "approved", "rejected", "cancelled")
# Undecided: the person may have only one such application at a time.
ACTIVE: Final = ("open", "submitted")
DEPENDANT_RELATIONS: Final = ("child", "ward")
DOCUMENT_KINDS: Final = (
    "driving_licence",
    "vehicle_registration",
    "social_insurance",
    "health_insurance",
)
FACE: Final = "face"
FINGERS: Final = (
    "right_thumb", "right_index", "right_middle", "right_ring", "right_little",
    "left_thumb", "left_index", "left_middle", "left_ring", "left_little",
)  # fmt: skip
POSITIONS: Final = (FACE, *FINGERS)
_ACTIVE_SQL = text("status IN ('open', 'submitted')")


class CardApplication(Base):
    """A card application (issue, renew, reissue) with the wish for an e-ID account.

    `changes` holds the captured corrections of the person's and relatives' data; they
    reach the registry only on approval. `opened_by` and `captured_by` may not decide it.
    """

    __tablename__ = "card_applications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    unit_code: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10), default="open")
    wants_account: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(15))
    email: Mapped[str | None] = mapped_column(String(254))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    identifying_marks: Mapped[str] = mapped_column(String(100), default="")
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    captured_by: Mapped[str | None] = mapped_column(String(64))
    captured_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[dt.date] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    card_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("id_cards.id"))
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"))

    __table_args__ = (
        Index("ix_card_applications_citizen", "citizen_id"),
        Index("ix_card_applications_unit_status", "unit_code", "status"),
        # One undecided application per person, enforced by the database.
        Index(
            "uq_card_applications_active_citizen",
            "citizen_id",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
    )


class ApplicationDependant(Base):
    """A child under 14 or a ward the applicant acts for, with the papers presented."""

    __tablename__ = "application_dependants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("card_applications.id", ondelete="CASCADE")
    )
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    relation: Mapped[str] = mapped_column(String(8))
    papers: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("application_id", "citizen_id"),)


class ApplicationDocument(Base):
    """A document whose original the officer checked, for the wallet to pick up; the
    number is encrypted (`hint` keeps its last characters for display)."""

    __tablename__ = "application_documents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("card_applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    number_enc: Mapped[str] = mapped_column(String(200))
    hint: Mapped[str] = mapped_column(String(8))
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    checked_by: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())


class ApplicationBiometric(Base):
    """One captured image: the face or a finger, AES-GCM encrypted (`data_enc`)."""

    __tablename__ = "application_biometrics"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("card_applications.id", ondelete="CASCADE")
    )
    position: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(8))
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    captured_by: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())

    __table_args__ = (UniqueConstraint("application_id", "position"),)


class CardChip(Base):
    """The machine-readable parts of a produced card: QR text, MRZ, DG1, DG2 (the face,
    encrypted), DG13 and the EF.SOD. The printable card is drawn from them."""

    __tablename__ = "card_chips"

    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("id_cards.id"), primary_key=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("card_applications.id"))
    qr_text: Mapped[str] = mapped_column(Text)
    mrz: Mapped[str] = mapped_column(String(100))
    dg1: Mapped[bytes] = mapped_column(LargeBinary)
    dg2_enc: Mapped[bytes] = mapped_column(LargeBinary)
    dg13: Mapped[bytes] = mapped_column(LargeBinary)
    sod: Mapped[bytes] = mapped_column(LargeBinary)
    signer_kid: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
