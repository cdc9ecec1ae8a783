"""The app's JSON API: second factors (authenticator app, SMS codes, passkeys made by the
phone's platform authenticator), recovery codes and passkey-alone sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dinhdanh.accounts import (
    factors,
    passkey_registration,
    passkeys,
    recovery_codes,
    service,
)
from dinhdanh.accounts.models import Passkey
from dinhdanh.accounts.own_account import Own, new_codes, no_content
from dinhdanh.accounts.web import CurrentCitizen, Tools
from dinhdanh.platform.idempotency import IdempotencyKey
from dinhdanh.platform.web import Session

router = APIRouter(prefix="/api/app/v1/factors", tags=["app: second factors"])


class PasswordIn(BaseModel):
    """The current password, confirming a sensitive change."""

    password: str = Field(max_length=1000)


class TotpConfirmIn(PasswordIn):
    """A code from the authenticator app, with the password."""

    code: str = Field(max_length=20)


class SwitchIn(PasswordIn):
    """Turn something on or off, with the password."""

    enabled: bool


class PasskeyIn(BaseModel):
    """The credential the phone made with the registration options, and its name."""

    credential: dict[str, Any]
    name: str = Field(max_length=200)


class FactorsOut(BaseModel):
    """The account's second factors."""

    methods: list[str]
    passkeys: list[dict[str, str]]
    recovery_codes_left: int
    passkey_sign_in: bool


class TotpSetupOut(BaseModel):
    """What the authenticator app needs: the secret and its otpauth:// URI."""

    secret: str
    uri: str


@router.get("", response_model=FactorsOut)
async def list_factors(session: Session, principal: CurrentCitizen) -> FactorsOut:
    """The second factors, passkeys and recovery codes left."""
    account = await service.get_account(session, principal.id or "")
    keys = await passkeys.list_passkeys(session, account)
    left = await recovery_codes.codes_left(session, account)
    methods = factors.methods_from(
        totp=bool(account.totp_secret_enc),
        passkey=bool(keys),
        sms=account.sms_otp,
        recovery=left > 0,
    )
    return FactorsOut(
        methods=methods,
        passkeys=[{"id": str(k.id), "name": k.name} for k in keys],
        recovery_codes_left=left,
        passkey_sign_in=account.passkey_sign_in,
    )


@router.post("/totp/setup", response_model=TotpSetupOut)
async def totp_setup(session: Session, tools: Tools, principal: CurrentCitizen) -> TotpSetupOut:
    """Start setting up an authenticator app (nothing changes until it is confirmed)."""
    account = await service.get_account(session, principal.id or "")
    started = await factors.start_totp(tools=tools, account=account)
    return TotpSetupOut(secret=started.secret, uri=started.uri)


@router.post("/totp/confirm", status_code=200)
async def totp_confirm(own: Own, body: TotpConfirmIn, key: IdempotencyKey = None) -> Response:
    """Turn the authenticator app on; the first factor also yields ten recovery codes."""
    return await own.once(factors.confirm_totp, new_codes, code=body.code, password=body.password)


@router.post("/totp/remove", status_code=204)
async def totp_remove(own: Own, body: PasswordIn, key: IdempotencyKey = None) -> Response:
    """Remove the authenticator app."""
    return await own.once(factors.remove_totp, no_content, password=body.password)


@router.post("/sms", status_code=200)
async def sms(own: Own, body: SwitchIn, key: IdempotencyKey = None) -> Response:
    """Turn sign-in codes by SMS on or off."""

    def answer(codes: list[str]) -> tuple[int, dict[str, Any]]:
        return 200, {"enabled": body.enabled, "recovery_codes": codes or []}

    return await own.once(factors.set_sms_otp, answer, enabled=body.enabled, password=body.password)


@router.post("/passkey-sign-in", status_code=200)
async def passkey_alone(own: Own, body: SwitchIn, key: IdempotencyKey = None) -> Response:
    """Allow or refuse signing in with a passkey alone."""

    def answer(_: None) -> tuple[int, dict[str, bool]]:
        return 200, {"enabled": body.enabled}

    return await own.once(
        factors.set_passkey_sign_in, answer, allowed=body.enabled, password=body.password
    )


@router.post("/recovery-codes", status_code=200)
async def new_recovery_codes(own: Own, body: PasswordIn, key: IdempotencyKey = None) -> Response:
    """Ten new recovery codes, shown once; the old ones stop working."""
    return await own.once(factors.generate_recovery_codes, new_codes, password=body.password)


@router.post("/passkeys/options")
async def passkey_options(own: Own, body: PasswordIn) -> dict[str, Any]:
    """WebAuthn creation options for the phone's platform authenticator, after the password."""
    return await passkey_registration.registration_options(
        session=own.session,
        tools=own.tools,
        account=await own.account(),
        password=body.password,
        session_id=own.principal.session_id,
    )


def _added(added: tuple[Passkey, list[str]]) -> tuple[int, dict[str, Any]]:
    passkey, codes = added
    return 201, {"id": str(passkey.id), "name": passkey.name, "recovery_codes": codes}


@router.post("/passkeys", status_code=201)
async def passkey_add(own: Own, body: PasskeyIn, key: IdempotencyKey = None) -> Response:
    """Store the passkey the phone made; the first factor also yields recovery codes."""
    return await own.once(
        passkey_registration.add_passkey, _added, credential=body.credential, name=body.name
    )


@router.post("/passkeys/{passkey_id}/remove", status_code=204)
async def passkey_remove(
    own: Own, passkey_id: str, body: PasswordIn, key: IdempotencyKey = None
) -> Response:
    """Remove a passkey."""
    return await own.once(
        passkey_registration.remove_passkey,
        no_content,
        passkey_id=passkey_id,
        password=body.password,
    )
