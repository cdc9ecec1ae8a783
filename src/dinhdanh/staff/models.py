"""Staff tables: police units, staff members (officers, administrators, auditors) and
their invitations (first set-up and credential resets)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.db import Base, Timestamped, UTCDateTime, new_uuid

UNIT_LEVELS: Final[tuple[str, ...]] = ("ministry", "province", "card_office", "commune")
ROLES: Final[tuple[str, ...]] = ("admin", "officer", "supervisor", "auditor")
# Encryption context of the TOTP secret column (binds ciphertexts to it).
TOTP_CONTEXT: Final = "staff.totp"


class Unit(Base):
    """A police unit: the Ministry, a provincial police, its card office, a commune police."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    name_folded: Mapped[str] = mapped_column(String(160), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    province_code: Mapped[str | None] = mapped_column(ForeignKey("provinces.code"), index=True)
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Staff(Timestamped, Base):
    """A staff member; credentials are empty until the invitation is accepted."""

    __tablename__ = "staff"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret_enc: Mapped[str | None] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class StaffInvitation(Base):
    """A single-use link to set a password and enrol TOTP; only the token's digest is kept."""

    __tablename__ = "staff_invitations"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The TOTP secret shown during enrolment, kept (encrypted) until a code confirms it.
    pending_totp_enc: Mapped[str | None] = mapped_column(String(200))
