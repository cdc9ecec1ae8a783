"""JSON shapes of the partner registry's API. Values are only typed here; the rules
(redirect URIs, scopes, keys, lifetimes) are the service's, reported per field."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dinhdanh.partners.client_rules import ClientSettings
from dinhdanh.partners.models import Partner, PartnerClient
from dinhdanh.partners.relying_parties import kids_of
from dinhdanh.partners.usage import Usage

Uris = list[str]
Names = list[str]


class PartnerIn(BaseModel):
    """An organisation to register (pending approval)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=300)
    kind: str = Field(max_length=40, description="public_service, bank, hospital, utility, …")
    registration_code: str = Field(max_length=64)
    contact_email: str = Field(max_length=300)
    website: str | None = Field(default=None, max_length=400)


class PartnerOut(BaseModel):
    """A registered organisation."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: str
    registration_code: str
    contact_email: str
    website: str | None
    status: str
    status_reason: str | None
    status_changed_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, partner: Partner) -> PartnerOut:
        """Build from the table row."""
        return cls.model_validate(partner)


class PartnerList(BaseModel):
    """A page of partners, by name."""

    items: list[PartnerOut]
    total: int
    offset: int
    limit: int


class ReasonIn(BaseModel):
    """Why (a suspension needs 5 to 500 characters; a reinstatement may say nothing)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=1000)


class UsageOut(BaseModel):
    """Requests per day (oldest first, today last) of each kind, and the totals."""

    days: list[dt.date]
    counts: dict[str, list[int]]
    totals: dict[str, int]

    @classmethod
    def of(cls, usage: Usage) -> UsageOut:
        """Build from the counters."""
        counts = {what: list(values) for what, values in usage.counts.items()}
        return cls(days=list(usage.days), counts=counts, totals=usage.totals)


class ClientIn(BaseModel):
    """A new client. Redirect URIs exact (https, or http on localhost); scopes and required
    claims from the provider's catalogue; grants: authorization_code (+ refresh_token), or
    client_credentials alone; `jwks` (public keys) with private_key_jwt."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=300)
    purpose: str = Field(max_length=3000)
    redirect_uris: Uris = Field(default_factory=list, max_length=20)
    post_logout_redirect_uris: Uris = Field(default_factory=list, max_length=20)
    scopes: Names = Field(default_factory=list, max_length=20)
    required_claims: Names = Field(default_factory=list, max_length=40)
    grant_types: Names = Field(max_length=5)
    level: int = 2
    auth_method: str = Field(default="client_secret_basic", max_length=40)
    jwks: dict[str, Any] | None = None
    access_token_seconds: int = 600
    id_token_seconds: int = 600
    refresh_token_seconds: int = 30 * 24 * 3600

    def settings(self) -> ClientSettings:
        """The settings the service checks."""
        return ClientSettings(**self.model_dump())


class ClientPatch(BaseModel):
    """Changes to a client; what is left out stays. Moving to client_secret_basic answers
    a new secret once; moving to private_key_jwt ends the secrets."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=300)
    purpose: str | None = Field(default=None, max_length=3000)
    redirect_uris: Uris | None = Field(default=None, max_length=20)
    post_logout_redirect_uris: Uris | None = Field(default=None, max_length=20)
    scopes: Names | None = Field(default=None, max_length=20)
    required_claims: Names | None = Field(default=None, max_length=40)
    grant_types: Names | None = Field(default=None, max_length=5)
    level: int | None = None
    auth_method: str | None = Field(default=None, max_length=40)
    jwks: dict[str, Any] | None = None
    access_token_seconds: int | None = None
    id_token_seconds: int | None = None
    refresh_token_seconds: int | None = None

    def over(self, current: ClientSettings) -> ClientSettings:
        """The current settings with the fields this patch sets."""
        given = self.model_dump(exclude_unset=True)
        if given.get("auth_method") == "client_secret_basic":
            given.setdefault("jwks", None)  # a move to secrets drops the keys
        return ClientSettings(**{**vars(current), **given})


class ClientOut(BaseModel):
    """A client with its credentials' public facts (never a secret) and, when read one at a
    time, its usage over the last 30 days."""

    client_id: str
    partner_id: uuid.UUID
    name: str
    purpose: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    scopes: list[str]
    required_claims: list[str]
    grant_types: list[str]
    level: int
    auth_method: str
    jwks: dict[str, Any] | None
    jwks_kids: list[str]
    access_token_seconds: int
    id_token_seconds: int
    refresh_token_seconds: int
    active: bool
    secret_rotated_at: dt.datetime | None
    previous_secret_expires_at: dt.datetime | None
    created_at: dt.datetime
    usage: UsageOut | None = None

    @classmethod
    def of(cls, client: PartnerClient, usage: Usage | None = None) -> ClientOut:
        """Build from the table row (and the counters)."""
        columns = {
            name: getattr(client, name)
            for name in cls.model_fields
            if name not in ("jwks_kids", "usage")
        }
        return cls(
            **columns,
            jwks_kids=kids_of(client),
            usage=UsageOut.of(usage) if usage else None,
        )


class ClientWithSecret(ClientOut):
    """A client just created or changed, with the secret that change made: shown this once,
    never again (null when none was made)."""

    client_secret: str | None


class SecretOut(BaseModel):
    """A new client secret, shown this once; the previous one works until
    `previous_secret_expires_at`."""

    client_id: str
    client_secret: str
    secret_rotated_at: dt.datetime
    previous_secret_expires_at: dt.datetime | None


class PartnerDetail(PartnerOut):
    """A partner with its clients."""

    clients: list[ClientOut]
