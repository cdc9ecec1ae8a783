"""JSON shapes of the staff API."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from dinhdanh.staff.audit_log import AuditEntry
from dinhdanh.staff.directory import staff_status
from dinhdanh.staff.models import Staff, Unit


class LoginIn(BaseModel):
    """Step 1 of sign-in."""

    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class TotpIn(BaseModel):
    """Step 2 of sign-in."""

    code: str = Field(max_length=20)


class LoginStep(BaseModel):
    """What to send next."""

    next: str = "totp"


class SignedIn(BaseModel):
    """The signed-in staff member."""

    id: str
    username: str
    full_name: str
    role: str
    unit_code: str
    scope: list[str | None]


class StaffIn(BaseModel):
    """A new staff member (an invitation e-mail is sent)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=200)
    full_name: str = Field(max_length=500)
    email: str = Field(max_length=500)
    role: str = Field(max_length=40)
    unit_code: str = Field(max_length=40)


class StaffPatch(BaseModel):
    """Changes to a staff member; a role or unit change ends their sessions."""

    model_config = ConfigDict(extra="forbid")

    full_name: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=500)
    role: str | None = Field(default=None, max_length=40)
    unit_code: str | None = Field(default=None, max_length=40)


class StaffOut(BaseModel):
    """A staff member as administrators see them (never credentials)."""

    id: uuid.UUID
    username: str
    full_name: str
    email: str
    role: str
    unit_code: str
    status: str
    created_at: dt.datetime
    last_sign_in_at: dt.datetime | None

    @classmethod
    def of(cls, staff: Staff) -> StaffOut:
        """Build from the table row (the status is derived, never stored)."""
        columns = {name: getattr(staff, name) for name in cls.model_fields if name != "status"}
        return cls(**columns, status=staff_status(staff))


class StaffList(BaseModel):
    """A page of staff."""

    items: list[StaffOut]
    total: int
    offset: int
    limit: int


class UnitOut(BaseModel):
    """A police unit."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    province_code: str | None
    commune_code: str | None
    parent_code: str | None
    active: bool

    @classmethod
    def of(cls, unit: Unit) -> UnitOut:
        """Build from the table row."""
        return cls.model_validate(unit)


class UnitList(BaseModel):
    """A page of units."""

    items: list[UnitOut]
    total: int
    offset: int
    limit: int


class SessionsEnded(BaseModel):
    """How many sessions were ended."""

    sessions_ended: int


class AuditList(BaseModel):
    """Events newest first; pass `next_before` as `before` for older ones.

    The Ministry reads every event; a province or commune reads those of its units' staff
    and those about citizens living there (permanent, temporary or current residence)."""

    items: list[AuditEntry]
    next_before: int | None
