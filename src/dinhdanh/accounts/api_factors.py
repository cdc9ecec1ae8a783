"""The app's JSON API: second factors (authenticator app, SMS codes, passkeys made by the
phone's platform authenticator), recovery codes and passkey-alone sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dinhdanh.accounts import (
    factors,
    passkey_registration,
    passkeys,
    recovery_codes,
    service,
)
from dinhdanh.accounts.api import IdempotencyKey
from dinhdanh.accounts.web import CurrentCitizen, Tools
from dinhdanh.platform import idempotency
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
    return FactorsOut(
        methods=await factors.methods_of(session, account),
        passkeys=[{"id": str(k.id), "name": k.name} for k in keys],
        recovery_codes_left=await recovery_codes.codes_left(session, account),
        passkey_sign_in=account.passkey_sign_in,
    )


@router.post("/totp/setup", response_model=TotpSetupOut)
async def totp_setup(session: Session, tools: Tools, principal: CurrentCitizen) -> TotpSetupOut:
    """Start setting up an authenticator app (nothing changes until it is confirmed)."""
    account = await service.get_account(session, principal.id or "")
    started = await factors.start_totp(tools=tools, account=account)
    return TotpSetupOut(secret=started.secret, uri=started.uri)


async def _once(
    request: Request, session: Session, principal: CurrentCitizen, operation: Any
) -> Response:
    return await idempotency.once(request, session, owner=principal.id or "-", operation=operation)


@router.post("/totp/confirm", status_code=200)
async def totp_confirm(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: TotpConfirmIn,
    key: IdempotencyKey = None,
) -> Response:
    """Turn the authenticator app on; the first factor also yields ten recovery codes."""
    account = await service.get_account(session, principal.id or "")

    async def confirm() -> tuple[int, dict[str, list[str]]]:
        codes = await factors.confirm_totp(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            code=body.code,
            password=body.password,
        )
        return 200, {"recovery_codes": codes}

    return await _once(request, session, principal, confirm)


@router.post("/totp/remove", status_code=204)
async def totp_remove(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: PasswordIn,
    key: IdempotencyKey = None,
) -> Response:
    """Remove the authenticator app."""
    account = await service.get_account(session, principal.id or "")

    async def remove() -> tuple[int, None]:
        await factors.remove_totp(
            session=session, tools=tools, actor=principal, account=account, password=body.password
        )
        return 204, None

    return await _once(request, session, principal, remove)


@router.post("/sms", status_code=200)
async def sms(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: SwitchIn,
    key: IdempotencyKey = None,
) -> Response:
    """Turn sign-in codes by SMS on or off."""
    account = await service.get_account(session, principal.id or "")

    async def switch() -> tuple[int, dict[str, Any]]:
        codes = await factors.set_sms_otp(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            enabled=body.enabled,
            password=body.password,
        )
        return 200, {"enabled": body.enabled, "recovery_codes": codes or []}

    return await _once(request, session, principal, switch)


@router.post("/passkey-sign-in", status_code=200)
async def passkey_alone(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: SwitchIn,
    key: IdempotencyKey = None,
) -> Response:
    """Allow or refuse signing in with a passkey alone."""
    account = await service.get_account(session, principal.id or "")

    async def switch() -> tuple[int, dict[str, bool]]:
        await factors.set_passkey_sign_in(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            allowed=body.enabled,
            password=body.password,
        )
        return 200, {"enabled": body.enabled}

    return await _once(request, session, principal, switch)


@router.post("/recovery-codes", status_code=200)
async def new_recovery_codes(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: PasswordIn,
    key: IdempotencyKey = None,
) -> Response:
    """Ten new recovery codes, shown once; the old ones stop working."""
    account = await service.get_account(session, principal.id or "")

    async def generate() -> tuple[int, dict[str, list[str]]]:
        codes = await factors.generate_recovery_codes(
            session=session, tools=tools, actor=principal, account=account, password=body.password
        )
        return 200, {"recovery_codes": codes}

    return await _once(request, session, principal, generate)


@router.post("/passkeys/options")
async def passkey_options(
    session: Session, tools: Tools, principal: CurrentCitizen, body: PasswordIn
) -> dict[str, Any]:
    """WebAuthn creation options for the phone's platform authenticator, after the password."""
    account = await service.get_account(session, principal.id or "")
    return await passkey_registration.registration_options(
        session=session,
        tools=tools,
        account=account,
        password=body.password,
        session_id=principal.session_id,
    )


@router.post("/passkeys", status_code=201)
async def passkey_add(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: PasskeyIn,
    key: IdempotencyKey = None,
) -> Response:
    """Store the passkey the phone made; the first factor also yields recovery codes."""
    account = await service.get_account(session, principal.id or "")

    async def add() -> tuple[int, dict[str, Any]]:
        passkey, codes = await passkey_registration.add_passkey(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            credential=body.credential,
            name=body.name,
        )
        return 201, {"id": str(passkey.id), "name": passkey.name, "recovery_codes": codes}

    return await _once(request, session, principal, add)


@router.post("/passkeys/{passkey_id}/remove", status_code=204)
async def passkey_remove(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    passkey_id: str,
    body: PasswordIn,
    key: IdempotencyKey = None,
) -> Response:
    """Remove a passkey."""
    account = await service.get_account(session, principal.id or "")

    async def remove() -> tuple[int, None]:
        await passkey_registration.remove_passkey(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            passkey_id=passkey_id,
            password=body.password,
        )
        return 204, None

    return await _once(request, session, principal, remove)
