"""The app's JSON API: password, passcode, phone and e-mail, and the forgotten password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dinhdanh.accounts import contact, passwords, recovery, service
from dinhdanh.accounts.api import IdempotencyKey
from dinhdanh.accounts.schemas import (
    CodeIn,
    ContactIn,
    PasscodeChangeIn,
    PasswordChangeIn,
    ResetCodeIn,
    ResetPasswordIn,
    ResetStartIn,
    ResetStep,
)
from dinhdanh.accounts.web import CurrentCitizen, Tools
from dinhdanh.platform import idempotency
from dinhdanh.platform.errors import NotFound
from dinhdanh.platform.web import Session, client_ip

router = APIRouter(prefix="/api/app/v1", tags=["app: security"])


@router.post("/password", status_code=200)
async def change_password(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: PasswordChangeIn,
    key: IdempotencyKey = None,
) -> Response:
    """Change the password; every other session ends."""
    account = await service.get_account(session, principal.id or "")

    async def change() -> tuple[int, dict[str, int]]:
        ended = await passwords.change_password(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            current=body.current,
            new=body.new,
        )
        return 200, {"other_sessions_ended": ended}

    return await idempotency.once(request, session, owner=str(account.id), operation=change)


@router.post("/passcode", status_code=204)
async def change_passcode(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: PasscodeChangeIn,
    key: IdempotencyKey = None,
) -> Response:
    """Set a new passcode, confirmed with the password."""
    account = await service.get_account(session, principal.id or "")

    async def change() -> tuple[int, None]:
        await passwords.change_passcode(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            password=body.password,
            passcode=body.passcode,
        )
        return 204, None

    return await idempotency.once(request, session, owner=str(account.id), operation=change)


def _kind(kind: str) -> contact.Kind:
    if kind not in ("phone", "email"):
        raise NotFound()
    return kind  # type: ignore[return-value]


@router.post("/contact/{kind}", status_code=202)
async def request_contact_change(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    kind: str,
    body: ContactIn,
    key: IdempotencyKey = None,
) -> Response:
    """Send a code to the new phone (kind=phone) or e-mail address (kind=email)."""
    account = await service.get_account(session, principal.id or "")
    which = _kind(kind)

    async def send() -> tuple[int, dict[str, str]]:
        sent_to = await contact.request_change(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            kind=which,
            value=body.value,
            password=body.password,
        )
        return 202, {"sent_to": sent_to}

    return await idempotency.once(request, session, owner=str(account.id), operation=send)


@router.post("/contact/{kind}/confirm", status_code=200)
async def confirm_contact_change(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    kind: str,
    body: CodeIn,
    key: IdempotencyKey = None,
) -> Response:
    """Confirm with the code; the old phone or address is told."""
    account = await service.get_account(session, principal.id or "")
    which = _kind(kind)

    async def confirm() -> tuple[int, dict[str, str]]:
        now = await contact.confirm_change(
            session=session,
            tools=tools,
            actor=principal,
            account=account,
            kind=which,
            code=body.code,
        )
        return 200, {kind: now}

    return await idempotency.once(request, session, owner=str(account.id), operation=confirm)


# ---------------------------------------------------------------- forgotten password


async def _reset_state(tools: Tools, token: str) -> recovery.ResetState:
    state = await recovery.load(tools, token)
    if state is None:
        raise recovery.expired()
    return state


@router.post("/password-reset", response_model=ResetStep)
async def reset_start(
    request: Request, session: Session, tools: Tools, body: ResetStartIn
) -> ResetStep:
    """Start: a code goes by SMS to the registered phone (the same answer for any ID)."""
    state = await recovery.start(
        session, tools=tools, personal_id=body.personal_id, ip=client_ip(request)
    )
    return ResetStep(token=state.token, step=state.step)


@router.post("/password-reset/code", response_model=ResetStep)
async def reset_code(
    request: Request, session: Session, tools: Tools, body: ResetCodeIn
) -> ResetStep:
    """The SMS code; the answer lists the second factors (none: go to a police office)."""
    state = await _reset_state(tools, body.token)
    state, methods = await recovery.check_code(
        session, tools=tools, state=state, code=body.code, ip=client_ip(request)
    )
    return ResetStep(token=state.token, step=state.step, methods=methods)


@router.post("/password-reset/factor", response_model=ResetStep)
async def reset_factor(
    request: Request, session: Session, tools: Tools, body: ResetCodeIn
) -> ResetStep:
    """The second factor: method totp or recovery, with its code."""
    state = await _reset_state(tools, body.token)
    state = await recovery.check_factor(
        session,
        tools=tools,
        state=state,
        method=body.method,
        value=body.code,
        ip=client_ip(request),
    )
    return ResetStep(token=state.token, step=state.step)


@router.post("/password-reset/password", response_model=ResetStep)
async def reset_password(
    request: Request, session: Session, tools: Tools, body: ResetPasswordIn
) -> ResetStep:
    """The new password; every session ends."""
    state = await _reset_state(tools, body.token)
    await recovery.set_password(
        session,
        tools=tools,
        state=state,
        password=body.password,
        again=body.password,
        ip=client_ip(request),
    )
    return ResetStep(token=state.token, step="done")
