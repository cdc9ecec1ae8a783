"""Shapes of the app's JSON API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SignInIn(BaseModel):
    """Personal ID and password (or the initial password from the SMS)."""

    personal_id: str = Field(max_length=40)
    password: str = Field(max_length=1000)


class SignInStep(BaseModel):
    """Where the sign-in stands. `token` is the bearer of the next request: a short-lived
    pending one until `stage` is `ok`, then the session's."""

    stage: str = Field(description="change | mfa | locked | ok")
    token: str
    methods: list[str] = Field(default_factory=list, description="second factors on offer")


class FactorIn(BaseModel):
    """A second factor: totp, sms or recovery, with its code."""

    method: str = Field(max_length=16)
    code: str = Field(max_length=40)


class ActivateIn(BaseModel):
    """The holder's own password and 6-digit passcode, replacing the initial password."""

    password: str = Field(max_length=1000)
    passcode: str = Field(max_length=20)


class PasscodeIn(BaseModel):
    """The 6-digit passcode the app asks for when it opens."""

    passcode: str = Field(max_length=20)


class PasswordChangeIn(BaseModel):
    """The current password and the new one."""

    current: str = Field(max_length=1000)
    new: str = Field(max_length=1000)


class PasscodeChangeIn(BaseModel):
    """The password, and the new passcode."""

    password: str = Field(max_length=1000)
    passcode: str = Field(max_length=20)


class ContactIn(BaseModel):
    """A new phone number or e-mail address, with the password."""

    value: str = Field(max_length=254)
    password: str = Field(max_length=1000)


class CodeIn(BaseModel):
    """A one-time code."""

    code: str = Field(max_length=40)


class AccountOut(BaseModel):
    """The account as its holder sees it."""

    id: str
    personal_id: str
    full_name: str
    level: int
    status: str
    locked: bool
    phone: str
    email: str | None
    second_factors: list[str]


class DeviceOut(BaseModel):
    """A signed-in session."""

    handle: str
    name: str
    channel: str
    place: str
    ip: str
    last_seen: float
    current: bool


class Ended(BaseModel):
    """How many sessions ended."""

    ended: int


class ResetStartIn(BaseModel):
    """The personal ID whose password is forgotten."""

    personal_id: str = Field(max_length=40)


class ResetStep(BaseModel):
    """Where a password reset stands; `token` names it in the next requests."""

    token: str
    step: str = Field(description="code | factor | office | password | done")
    methods: list[str] = Field(default_factory=list)


class ResetCodeIn(BaseModel):
    """A code for a reset step (the SMS code, or a TOTP / recovery code)."""

    token: str = Field(max_length=64)
    code: str = Field(max_length=40)
    method: str = Field(default="sms", max_length=16)


class ResetPasswordIn(BaseModel):
    """The new password of a reset."""

    token: str = Field(max_length=64)
    password: str = Field(max_length=1000)
