"""Partner tables: connected organisations and their OpenID Connect clients."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform.db import Base, Timestamped, UTCDateTime, new_uuid

# The kinds of organisation that connect (DESIGN.md, "Who uses it").
PARTNER_KINDS: Final[tuple[str, ...]] = (
    "public_service",
    "bank",
    "hospital",
    "utility",
    "document_issuer",
    "biller",
    "authority",
)
# pending: registered, not yet approved; approved: its clients work; suspended: every
# client refused and every token it holds revoked.
PARTNER_STATUSES: Final[tuple[str, ...]] = ("pending", "approved", "suspended")
CLIENT_AUTH_METHODS: Final[tuple[str, ...]] = ("client_secret_basic", "private_key_jwt")
GRANT_TYPES: Final[tuple[str, ...]] = ("authorization_code", "refresh_token", "client_credentials")


class Partner(Timestamped, Base):
    """An organisation whose system qualifies to connect (Decree 69: "bên thứ 3")."""

    __tablename__ = "partners"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    # Business registration or budget-unit code: one registration per organisation.
    registration_code: Mapped[str] = mapped_column(String(32), unique=True)
    contact_email: Mapped[str] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PartnerClient(Timestamped, Base):
    """One OpenID Connect client (relying party) of a partner, or an API client that
    calls as itself with the client-credentials grant."""

    __tablename__ = "partner_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The purpose the partner declared; shown to the citizen on the consent page.
    purpose: Mapped[str] = mapped_column(Text)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Everything the client may ever ask for; a request asking for more is refused.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Claims its procedure cannot do without: the citizen cannot untick them.
    required_claims: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    level: Mapped[int] = mapped_column(SmallInteger, default=2)
    auth_method: Mapped[str] = mapped_column(String(24), default="client_secret_basic")
    # Client secrets are random 256-bit strings: an HMAC under the server key is enough
    # (argon2 would only slow every token request; there is nothing to brute-force).
    secret_digest: Mapped[str | None] = mapped_column(String(64))
    # After a rotation the previous secret keeps working until this time.
    previous_secret_digest: Mapped[str | None] = mapped_column(String(64))
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    secret_rotated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Public keys (a JWK Set) for private_key_jwt.
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    access_token_seconds: Mapped[int] = mapped_column(Integer, default=600)
    id_token_seconds: Mapped[int] = mapped_column(Integer, default=600)
    # 0: no refresh tokens.
    refresh_token_seconds: Mapped[int] = mapped_column(Integer, default=30 * 24 * 3600)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
