"""The app's JSON API: password, passcode, phone and e-mail, and the forgotten password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dinhdanh.accounts import contact, passwords, recovery
from dinhdanh.accounts.own_account import Own, no_content
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
from dinhdanh.accounts.web import Tools
from dinhdanh.platform.errors import NotFound
from dinhdanh.platform.idempotency import IdempotencyKey
from dinhdanh.platform.web import Session, client_ip

router = APIRouter(prefix="/api/app/v1", tags=["app: security"])


@router.post("/password", status_code=200)
async def change_password(own: Own, body: PasswordChangeIn, key: IdempotencyKey = None) -> Response:
    """Change the password; every other session ends."""

    def answer(ended: int) -> tuple[int, dict[str, int]]:
        return 200, {"other_sessions_ended": ended}

    return await own.once(passwords.change_password, answer, current=body.current, new=body.new)


@router.post("/passcode", status_code=204)
async def change_passcode(own: Own, body: PasscodeChangeIn, key: IdempotencyKey = None) -> Response:
    """Set a new passcode, confirmed with the password."""
    return await own.once(
        passwords.change_passcode, no_content, password=body.password, passcode=body.passcode
    )


def _kind(kind: str) -> contact.Kind:
    if kind not in ("phone", "email"):
        raise NotFound()
    return kind  # type: ignore[return-value]


@router.post("/contact/{kind}", status_code=202)
async def request_contact_change(
    own: Own, kind: str, body: ContactIn, key: IdempotencyKey = None
) -> Response:
    """Send a code to the new phone (kind=phone) or e-mail address (kind=email)."""

    def answer(sent_to: str) -> tuple[int, dict[str, str]]:
        return 202, {"sent_to": sent_to}

    return await own.once(
        contact.request_change,
        answer,
        kind=_kind(kind),
        value=body.value,
        password=body.password,
    )


@router.post("/contact/{kind}/confirm", status_code=200)
async def confirm_contact_change(
    own: Own, kind: str, body: CodeIn, key: IdempotencyKey = None
) -> Response:
    """Confirm with the code; the old phone or address is told."""

    def answer(now: str) -> tuple[int, dict[str, str]]:
        return 200, {kind: now}

    return await own.once(contact.confirm_change, answer, kind=_kind(kind), code=body.code)


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
        ip=client_ip(request),
    )
    return ResetStep(token=state.token, step="done")
