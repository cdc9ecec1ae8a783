"""OpenID provider tables: signing keys, consents, authorization codes, refresh tokens.

Access tokens, pushed authorization requests and pending authorizations are short-lived
and live in the key-value store, not here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.db import Base, UTCDateTime, new_uuid


class SigningKey(Base):
    """An ES256 key that signs ID tokens. One is current; a retired key stays in the JWKS
    until every token it signed has expired (`published_until`)."""

    __tablename__ = "oidc_signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(8), default="ES256")
    private_key_enc: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Consent(Base):
    """What a citizen agreed to release to one client: remembered until revoked."""

    __tablename__ = "oidc_consents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    client_id: Mapped[str] = mapped_column(ForeignKey("partner_clients.client_id"), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("citizen_id", "client_id"),)


class AuthorizationCode(Base):
    """A single-use authorization code (only its digest is kept). Its `id` names the token
    family the code yields, so a second redemption knows which family to revoke."""

    __tablename__ = "oidc_codes"

    code_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=new_uuid)
    client_id: Mapped[str] = mapped_column(ForeignKey("partner_clients.client_id"))
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str] = mapped_column(String(128))
    level: Mapped[int] = mapped_column(SmallInteger)
    # The factors used (OIDC `amr`), and when the citizen signed in (`auth_time`).
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The citizen's web session at the provider (OIDC `sid`): logout ends its tokens.
    sid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    redeemed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RefreshToken(Base):
    """A refresh token (digest only). Each use rotates it: the used one is marked, a new
    one of the same family issued; a used one presented again revokes the family."""

    __tablename__ = "oidc_refresh_tokens"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("partner_clients.client_id"))
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    level: Mapped[int] = mapped_column(SmallInteger)
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    auth_time: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_oidc_refresh_tokens_citizen_client", "citizen_id", "client_id"),)
