"""The officers' account API under /api/v1/accounts: look-up inside the unit, lock and
unlock, a new initial password, end sessions; administrators also create accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dinhdanh.accounts import officer, service
from dinhdanh.accounts.officer_schemas import (
    AccountIn,
    AccountOut,
    LockIn,
    LockOut,
    PasswordSent,
    SessionsEnded,
    UnlockIn,
)
from dinhdanh.accounts.service import NewAccount, mask_phone
from dinhdanh.accounts.web import Tools
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.web import Session, require_staff

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts (officers)"])
Officer = Annotated[Principal, require_staff("officer", "supervisor", "admin")]
Admin = Annotated[Principal, require_staff("admin")]
PROBLEM = {"content": {"application/problem+json": {}}}
ERRORS = {401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 422: PROBLEM, 429: PROBLEM}


@router.get("", response_model=AccountOut, responses=ERRORS)
async def find_account(
    session: Session,
    tools: Tools,
    principal: Officer,
    personal_id: Annotated[str, Query(max_length=20)],
) -> AccountOut:
    """The account of a citizen of your unit, by personal ID (the look-up is audited)."""
    found = await officer.find(
        session=session, tools=tools, principal=principal, personal_id=personal_id
    )
    return AccountOut.of(found)


@router.post("", response_model=AccountOut, status_code=201, responses=ERRORS)
async def create_account(
    session: Session, tools: Tools, principal: Admin, body: AccountIn
) -> AccountOut:
    """Create a citizen's account (administrators); the initial password goes by SMS."""
    account = await officer.create_account(
        session=session, tools=tools, principal=principal, data=NewAccount(**body.model_dump())
    )
    who = await service.holder(session, account)
    return AccountOut.of(await officer.describe(session, tools, account, who))


@router.get("/{account_id}", response_model=AccountOut, responses=ERRORS)
async def get_account(
    account_id: str, session: Session, tools: Tools, principal: Officer
) -> AccountOut:
    """An account of your unit: status, level, locks, sessions and history (audited)."""
    found = await officer.detail(
        session=session, tools=tools, principal=principal, account_id=account_id
    )
    return AccountOut.of(found)


@router.post("/{account_id}/lock", response_model=LockOut, status_code=201, responses=ERRORS)
async def lock_account(
    account_id: str, body: LockIn, session: Session, tools: Tools, principal: Officer
) -> LockOut:
    """Lock the account with a legal reason; every session ends at once."""
    entry = await officer.lock(
        session=session,
        tools=tools,
        principal=principal,
        account_id=account_id,
        reason=body.reason,
        note=body.note,
    )
    return LockOut.of(entry)


@router.post("/{account_id}/locks/{lock_id}/unlock", response_model=LockOut, responses=ERRORS)
async def unlock_account(
    account_id: str, lock_id: str, body: UnlockIn, session: Session, principal: Officer
) -> LockOut:
    """Lift one lock (not the registry's own: those end with their reason)."""
    lifted = await officer.unlock(
        session=session, principal=principal, account_id=account_id, lock_id=lock_id, note=body.note
    )
    return LockOut.of(lifted)


@router.post("/{account_id}/initial-password", response_model=PasswordSent, responses=ERRORS)
async def send_initial_password(
    account_id: str, session: Session, tools: Tools, principal: Officer
) -> PasswordSent:
    """Send a new single-use initial password by SMS; the old password and sessions end."""
    account = await officer.send_initial_password(
        session=session, tools=tools, principal=principal, account_id=account_id
    )
    return PasswordSent(phone=mask_phone(account.phone))


@router.post("/{account_id}/sessions/end", response_model=SessionsEnded, responses=ERRORS)
async def end_sessions(
    account_id: str, session: Session, tools: Tools, principal: Officer
) -> SessionsEnded:
    """End every session of the account, web and app."""
    ended = await officer.end_sessions(
        session=session, tools=tools, principal=principal, account_id=account_id
    )
    return SessionsEnded(sessions_ended=ended)
