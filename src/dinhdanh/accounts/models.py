"""Account tables: the citizen's e-ID account, its locks, second factors and error reports.

Sessions, devices, one-time codes and WebAuthn challenges are ephemeral and live in the
key-value store, not here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.db import Base, Timestamped, UTCDateTime, new_uuid

# Encryption context of the TOTP secret column (binds ciphertexts to it).
TOTP_CONTEXT: Final = "account.totp"

# Legal reasons to lock an account (Law on Identity Art. 34; Decree 69 Art. 15, 30).
LOCK_REASONS: Final[tuple[str, ...]] = (
    "holder_request",
    "terms_breach",
    "card_revoked",
    "card_seized",
    "death",
    "authority_request",
)
# Reasons an officer may choose; the others are set by the holder or by the registry (an
# officer revokes or seizes the card in the registry, and that locks the account).
OFFICER_LOCK_REASONS: Final[tuple[str, ...]] = (
    "holder_request",
    "terms_breach",
    "authority_request",
)
# Reasons the registry sets and lifts by itself when the fact ends.
AUTOMATIC_LOCK_REASONS: Final[tuple[str, ...]] = ("card_revoked", "card_seized", "death")


class Account(Timestamped, Base):
    """A citizen's electronic identity account; the username is the personal ID."""

    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), unique=True)
    personal_id: Mapped[str] = mapped_column(String(12), unique=True)
    level: Mapped[int] = mapped_column(SmallInteger, default=2)
    # pending: an initial password was sent and not yet used; active: in use.
    status: Mapped[str] = mapped_column(String(12), default="pending")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    initial_password_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    passcode_hash: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    totp_secret_enc: Mapped[str | None] = mapped_column(String(200))
    sms_otp: Mapped[bool] = mapped_column(Boolean, default=False)
    # A passkey alone may sign in (it is itself two factors: possession and user verification).
    passkey_sign_in: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(64))
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AccountLock(Base):
    """One reason an account is locked; the account is locked while any lock is open."""

    __tablename__ = "account_locks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    reason: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(String(500), default="")
    # who locked: holder, officer (their staff id), or system (the registry).
    locked_by_kind: Mapped[str] = mapped_column(String(16))
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_unit: Mapped[str | None] = mapped_column(String(16))
    locked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    unlocked_by_kind: Mapped[str | None] = mapped_column(String(16))
    unlocked_by: Mapped[str | None] = mapped_column(String(64))
    unlocked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    unlock_note: Mapped[str] = mapped_column(String(500), default="")

    __table_args__ = (
        # One open lock per reason: a second death record or a double click adds nothing.
        Index(
            "uq_account_locks_open_reason",
            "account_id",
            "reason",
            unique=True,
            sqlite_where=text("unlocked_at IS NULL"),
            postgresql_where=text("unlocked_at IS NULL"),
        ),
    )


class Passkey(Base):
    """A WebAuthn credential registered by the account holder."""

    __tablename__ = "account_passkeys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(512), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(80))
    transports: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    """A single-use recovery code; only its digest is kept."""

    __tablename__ = "account_recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class CorrectionRequest(Timestamped, Base):
    """A citizen's report of an error in their registry data, queued at the commune police."""

    __tablename__ = "correction_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str] = mapped_column(String(1000), default="")
