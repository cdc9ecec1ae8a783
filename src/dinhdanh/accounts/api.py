"""The app's JSON API (the app channel): sign-in, the account, devices and the lock.

The app authenticates with `Authorization: Bearer <token>`, the token a sign-in step
returns. Requests whose retry could repeat an effect (an SMS, a lock, a change) take an
`Idempotency-Key` header. Errors are problem+json.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from dinhdanh.accounts import factors, last_step, locks, passwords, service, signin
from dinhdanh.accounts.devices import end_device, end_other_devices, list_devices
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.own_account import Own
from dinhdanh.accounts.schemas import (
    AccountOut,
    ActivateIn,
    DeviceOut,
    Ended,
    FactorIn,
    PasscodeIn,
    SignInIn,
    SignInStep,
)
from dinhdanh.accounts.signin import CHANGE, LOCKED, MFA, Outcome
from dinhdanh.accounts.web import CurrentCitizen, Tools, attempt_of, bearer
from dinhdanh.platform import idempotency
from dinhdanh.platform.crypto import token_digest
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.idempotency import IdempotencyKey
from dinhdanh.platform.sessions import SessionData
from dinhdanh.platform.web import Connection, Session, problem_response

router = APIRouter(prefix="/api/app/v1", tags=["app: sign-in and account"])


def _step(outcome: Outcome) -> SignInStep:
    if outcome.session is None:
        assert outcome.problem is not None
        raise outcome.problem
    return SignInStep(stage=outcome.stage or "", token=outcome.session.id, methods=outcome.methods)


@router.post("/sign-in", response_model=SignInStep)
async def sign_in(request: Request, conn: Connection, tools: Tools, body: SignInIn) -> SignInStep:
    """Step 1: personal ID and password. The answer names the next stage and its token."""
    return _step(
        await signin.check_password(
            conn,
            tools=tools,
            personal_id=body.personal_id,
            password=body.password,
            attempt=attempt_of(request),
            previous_sid=bearer(request),
        )
    )


async def _pending(
    request: Request, session: Session, tools: Tools, stage: str
) -> tuple[SessionData, Account]:
    found = await signin.pending_sign_in(session, tools, bearer(request), "app", stage)
    if found is None:
        raise signin.expired_sign_in()
    return found


def _step_of(stage: str) -> Any:
    """A dependency: the open sign-in step `stage` of the bearer token (else 401, before
    the body or the Idempotency-Key is looked at)."""

    async def dependency(
        request: Request, session: Session, tools: Tools
    ) -> tuple[SessionData, Account]:
        return await _pending(request, session, tools, stage)

    return Depends(dependency)


PendingMfa = Annotated[tuple[SessionData, Account], _step_of(MFA)]
PendingChange = Annotated[tuple[SessionData, Account], _step_of(CHANGE)]
PendingLocked = Annotated[tuple[SessionData, Account], _step_of(LOCKED)]


@router.post("/sign-in/code", status_code=202)
async def send_code(
    request: Request, session: Session, tools: Tools, _: PendingMfa, key: IdempotencyKey = None
) -> Response:
    """Send the sign-in (or unlock) code by SMS to the registered phone."""

    async def send() -> tuple[int, dict[str, str]]:
        account = await signin.send_sign_in_code(
            session, tools=tools, sid=bearer(request), channel="app"
        )
        return 202, {"sent_to": service.mask_phone(account.phone)}

    owner = "pending:" + token_digest(bearer(request) or "-")[:40]
    return await idempotency.once(request, session, owner=owner, operation=send)


@router.post("/sign-in/verify", response_model=SignInStep)
async def verify(
    request: Request, session: Session, tools: Tools, _: PendingMfa, body: FactorIn
) -> SignInStep:
    """Step 2: a TOTP, SMS or recovery code."""
    return _step(
        await signin.check_second_factor(
            session,
            tools=tools,
            sid=bearer(request),
            method=body.method,
            value=body.code,
            attempt=attempt_of(request),
        )
    )


@router.post("/activate", response_model=SignInStep)
async def activate(
    request: Request, session: Session, tools: Tools, step: PendingChange, body: ActivateIn
) -> SignInStep:
    """First sign-in: the holder's own password and passcode replace the initial password."""
    pending, account = step
    done = await last_step.activate(
        session,
        tools=tools,
        pending=pending,
        account=account,
        attempt=attempt_of(request),
        password=body.password,
        passcode=body.passcode,
    )
    return SignInStep(stage=signin.OK, token=done.id)


@router.post("/unlock", response_model=SignInStep)
async def unlock(
    request: Request, session: Session, tools: Tools, step: PendingLocked
) -> SignInStep:
    """Lift the holder's own lock (after password and second factor) and sign in."""
    pending, account = step
    done = await last_step.unlock(
        session, tools=tools, pending=pending, account=account, attempt=attempt_of(request)
    )
    return SignInStep(stage=signin.OK, token=done.id)


@router.post("/passcode/check", status_code=204)
async def check_passcode(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen, body: PasscodeIn
) -> Response:
    """The app opens: check the 6-digit passcode (five wrong ones pause it)."""
    account = await service.get_account(session, principal.id or "")
    opened = await passwords.open_app(
        session=session, tools=tools, actor=principal, account=account, passcode=body.passcode
    )
    if not opened:
        # Answered, not raised: the failure's audit event must commit with the request.
        return problem_response(
            request,
            Problem(N_("The passcode is not correct."), type="invalid-passcode", status=401),
        )
    return Response(status_code=204)


@router.post("/sign-out", status_code=204)
async def sign_out(request: Request, session: Session, tools: Tools) -> Response:
    """End this session."""
    await signin.sign_out(
        session, tools=tools, sid=bearer(request), channel="app", ip=attempt_of(request).ip
    )
    return Response(status_code=204)


@router.get("/account", response_model=AccountOut)
async def account(session: Session, principal: CurrentCitizen) -> AccountOut:
    """The account: holder, level, status, contact, second factors."""
    found = await service.get_account(session, principal.id or "")
    who = await service.holder(session, found)
    return AccountOut(
        id=str(found.id),
        personal_id=found.personal_id,
        full_name=who.full_name,
        level=found.level,
        status=found.status,
        locked=found.locked,
        phone=found.phone,
        email=found.email,
        second_factors=await factors.methods_of(session, found),
    )


@router.get("/devices", response_model=list[DeviceOut])
async def devices(tools: Tools, principal: CurrentCitizen) -> list[DeviceOut]:
    """Where the account is signed in, most recent first."""
    found = await list_devices(tools, principal.id or "", current_sid=principal.session_id)
    return [DeviceOut(**d.__dict__) for d in found]


@router.post("/devices/{handle}/sign-out", status_code=204)
async def end_one(
    session: Session, tools: Tools, principal: CurrentCitizen, handle: str
) -> Response:
    """Sign one device out."""
    account = await service.get_account(session, principal.id or "")
    ended = await end_device(
        session=session, tools=tools, actor=principal, account=account, handle=handle[:40]
    )
    if ended is None:
        raise Problem(N_("No such signed-in device."), type="device-not-found", status=404)
    return Response(status_code=204)


@router.post("/devices/sign-out-others", response_model=Ended)
async def end_others(session: Session, tools: Tools, principal: CurrentCitizen) -> Ended:
    """Sign every other device out; this one stays."""
    account = await service.get_account(session, principal.id or "")
    ended = await end_other_devices(session=session, tools=tools, actor=principal, account=account)
    return Ended(ended=ended)


@router.post("/lock", status_code=200)
async def panic_lock(own: Own, key: IdempotencyKey = None) -> Response:
    """Lock the account at once: every session ends, this one included."""
    return await own.once(locks.panic_lock, lambda _: (200, {"locked": True}))
