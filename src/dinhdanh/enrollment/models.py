"""Enrollment tables: the chip signing keys (country signing CA and Document Signer)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Final

from sqlalchemy import CheckConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.db import Base, UTCDateTime, new_uuid

# Encryption context of the private key column (binds ciphertexts to it).
PRIVATE_KEY_CONTEXT: Final = "chip_signing_keys.private_key"


class ChipSigningKey(Base):
    """A key of the card chip's PKI: the CSCA (kind `csca`) or a Document Signer (`ds`).

    Exactly one key of each kind is current (`retired_at` empty). A retired key signs
    nothing more, but its certificate stays: a retired CSCA is a trust anchor until its
    certificate expires, and cards carry their DS certificate inside the SOD.
    """

    __tablename__ = "chip_signing_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(4))
    # Hex of the certificate's subject key identifier, which the DS's authority key id names.
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    serial: Mapped[str] = mapped_column(String(40))  # the certificate serial, hex
    issuer_kid: Mapped[str | None] = mapped_column(String(64))  # a DS's CSCA
    certificate_pem: Mapped[str] = mapped_column(Text)
    # PKCS#8 PEM, encrypted with the FieldCipher under PRIVATE_KEY_CONTEXT.
    private_key_enc: Mapped[str] = mapped_column(Text)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("kind IN ('csca', 'ds')", name="kind"),
        # One current key per kind: two concurrent creations or rotations cannot both win.
        Index(
            "uq_chip_signing_keys_current_kind",
            "kind",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )
