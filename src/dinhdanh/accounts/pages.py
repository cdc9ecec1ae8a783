"""The citizen's pages: sign-in, the second factor, activation, unlocking, home, sign-out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dinhdanh.accounts import factors, last_step, locks, service, signin
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.signin import CHANGE, LOCKED, MFA, Outcome
from dinhdanh.accounts.web import (
    CITIZEN_COOKIE,
    CurrentCitizen,
    Tools,
    attempt_of,
    clear_citizen_cookie,
    set_citizen_cookie,
)
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.sessions import SessionData
from dinhdanh.platform.web import Connection, Session, render, render_form, safe_next
from dinhdanh.population.identity import full_name_of

router = APIRouter(prefix="/me", tags=["citizen pages"], include_in_schema=False)
HOME = "/me"
_NEXT_PAGE = {CHANGE: "/me/activate", MFA: "/me/login/verify", LOCKED: "/me/unlock"}


def _login_page(
    request: Request, *, next: str | None, personal_id: str = "", problem: Problem | None = None
) -> Response:
    return render_form(
        request, "accounts/login.html", problem, next=next or "", personal_id=personal_id
    )


def _with_next(path: str, next: str | None) -> str:
    return path + (f"?next={quote(next)}" if next else "")


def _continue(request: Request, outcome: Outcome, next: str | None) -> Response:
    """Send the browser to the page of the outcome's stage, with its new session cookie."""
    assert outcome.session is not None
    stage = outcome.stage or ""
    target = _with_next(_NEXT_PAGE[stage], next) if stage in _NEXT_PAGE else next or HOME
    response = RedirectResponse(target, status_code=303)
    set_citizen_cookie(request, response, outcome.session.id)
    return response


def _restart(request: Request, problem: Problem | None, next: str | None) -> Response:
    response = _login_page(request, next=next, problem=problem)
    clear_citizen_cookie(response)
    return response


@router.get("/login")
async def login_form(
    request: Request, tools: Tools, next: str = "", again: bool = False
) -> Response:
    """The citizen's sign-in page: personal ID and password, or a passkey. A signed-in
    citizen goes on to `next`, unless `again` asks for a fresh sign-in (a service's
    `prompt=login`): the current session then ends only when the new sign-in succeeds."""
    sid = request.state.cookies.get(CITIZEN_COOKIE)
    data = await tools.web_sessions.get(sid, touch=False) if sid and not again else None
    if data is not None and data.extra.get("st") == signin.OK:
        return RedirectResponse(safe_next(next) or HOME, status_code=303)
    return _login_page(request, next=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    conn: Connection,
    tools: Tools,
    personal_id: Annotated[str, Form(max_length=40)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Check personal ID and password; continue to the step the account needs (a hot path:
    one Core connection, no ORM session)."""
    outcome = await signin.check_password(
        conn,
        tools=tools,
        personal_id=personal_id,
        password=password,
        attempt=attempt_of(request),
        previous_sid=request.state.cookies.get(CITIZEN_COOKIE),
    )
    if outcome.session is None:
        return _login_page(
            request, next=safe_next(next), personal_id=personal_id, problem=outcome.problem
        )
    return _continue(request, outcome, safe_next(next))


async def _verify_page(
    request: Request,
    session: Session,
    tools: Tools,
    *,
    next: str | None,
    problem: Problem | None = None,
    sent: bool = False,
    known: tuple[Account, list[str]] | None = None,
) -> Response:
    """The second step's page; `known`: the account and its factors a failed check has
    just loaded (else read from the cookie's pending sign-in)."""
    if known is None:
        found = await signin.pending_sign_in(
            session, tools, request.state.cookies.get(CITIZEN_COOKIE), "web", MFA
        )
        if found is None:
            return RedirectResponse("/me/login", status_code=303)
        account = found[1]
        methods = await factors.methods_of(session, account, unlocking=account.locked)
    else:
        account, methods = known
    demo_code = signin.demo_code(tools, account) if request.app.state.settings.demo else None
    return render_form(
        request,
        "accounts/verify.html",
        problem,
        next=next or "",
        methods=methods,
        locked=account.locked,
        phone=service.mask_phone(account.phone),
        sent=sent,
        demo_code=demo_code,
    )


@router.get("/login/verify")
async def verify_form(request: Request, session: Session, tools: Tools, next: str = "") -> Response:
    """The second step: a code from the authenticator app, by SMS, a recovery code or a passkey."""
    return await _verify_page(request, session, tools, next=safe_next(next))


@router.post("/login/send-code")
async def send_code(
    request: Request,
    session: Session,
    tools: Tools,
    next: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Send a sign-in code by SMS to the registered phone."""
    try:
        await signin.send_sign_in_code(
            session, tools=tools, sid=request.state.cookies.get(CITIZEN_COOKIE), channel="web"
        )
    except Problem as problem:
        if problem.status == 401:
            return _restart(request, problem, safe_next(next))
        return await _verify_page(request, session, tools, next=safe_next(next), problem=problem)
    return await _verify_page(request, session, tools, next=safe_next(next), sent=True)


@router.post("/login/verify")
async def verify(
    request: Request,
    session: Session,
    tools: Tools,
    method: Annotated[str, Form(max_length=16)] = "totp",
    code: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Check the second factor; on success the session id rotates and the citizen is in."""
    outcome = await signin.check_second_factor(
        session,
        tools=tools,
        sid=request.state.cookies.get(CITIZEN_COOKIE),
        method=method,
        value=code,
        attempt=attempt_of(request),
    )
    if outcome.session is None:
        if outcome.restart:
            return _restart(request, outcome.problem, safe_next(next))
        # A wrong code: the check has just read the account and its factors.
        known = (outcome.account, outcome.methods) if isinstance(outcome.account, Account) else None
        return await _verify_page(
            request, session, tools, next=safe_next(next), problem=outcome.problem, known=known
        )
    return _continue(request, outcome, safe_next(next))


# ---------------------------------------------------------------- activation


async def _pending(
    request: Request, session: Session, tools: Tools, stage: str
) -> tuple[SessionData, Account] | None:
    return await signin.pending_sign_in(
        session, tools, request.state.cookies.get(CITIZEN_COOKIE), "web", stage
    )


@router.get("/activate")
async def activate_form(request: Request, session: Session, tools: Tools) -> Response:
    """First sign-in: choose your password and the app's 6-digit passcode."""
    if await _pending(request, session, tools, CHANGE) is None:
        return RedirectResponse("/me/login", status_code=303)
    return render_form(request, "accounts/activate.html")


@router.post("/activate")
async def activate(
    request: Request,
    session: Session,
    tools: Tools,
    password: Annotated[str, Form(max_length=1000)] = "",
    password2: Annotated[str, Form(max_length=1000)] = "",
    passcode: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Replace the initial password; the account is active and the citizen signed in."""
    found = await _pending(request, session, tools, CHANGE)
    if found is None:
        return RedirectResponse("/me/login", status_code=303)
    pending, account = found
    try:
        done = await last_step.activate(
            session,
            tools=tools,
            pending=pending,
            account=account,
            attempt=attempt_of(request),
            password=password,
            passcode=passcode,
            again=password2,
        )
    except Problem as problem:
        return render_form(request, "accounts/activate.html", problem)
    response = RedirectResponse(HOME + "?done=activated", status_code=303)
    set_citizen_cookie(request, response, done.id)
    return response


# ---------------------------------------------------------------- a locked account


@router.get("/unlock")
async def unlock_form(request: Request, session: Session, tools: Tools) -> Response:
    """Signed in with both factors on a locked account: the locks, and unlock if allowed."""
    found = await _pending(request, session, tools, LOCKED)
    if found is None:
        return RedirectResponse("/me/login", status_code=303)
    account = found[1]
    open_locks = await locks.open_locks(session, account)
    own_only = all(locks.holder_may_lift(x) for x in open_locks)
    return render(
        request,
        "accounts/locked.html",
        locks=open_locks,
        own_only=own_only,
        labels=locks.REASON_LABELS,
    )


@router.post("/unlock")
async def unlock(request: Request, session: Session, tools: Tools) -> Response:
    """Lift the holder's own lock and sign in."""
    found = await _pending(request, session, tools, LOCKED)
    if found is None:
        return RedirectResponse("/me/login", status_code=303)
    pending, account = found
    done = await last_step.unlock(
        session, tools=tools, pending=pending, account=account, attempt=attempt_of(request)
    )
    response = RedirectResponse(HOME + "?done=unlocked", status_code=303)
    set_citizen_cookie(request, response, done.id)
    return response


# ---------------------------------------------------------------- home and sign-out


@router.get("")
async def home(
    request: Request, session: Session, principal: CurrentCitizen, done: str = ""
) -> Response:
    """The account's home: who, level, status, and where to go next."""
    account = await service.get_account(session, principal.id or "")
    name = await full_name_of(session=session, citizen_id=account.citizen_id)
    return render(request, "accounts/home.html", account=account, full_name=name, done=done)


@router.post("/logout")
async def logout(request: Request, session: Session, tools: Tools) -> Response:
    """Sign out: the session ends on the server, the cookie is cleared."""
    await signin.sign_out(
        session,
        tools=tools,
        sid=request.state.cookies.get(CITIZEN_COOKIE),
        channel="web",
        ip=attempt_of(request).ip,
    )
    response = RedirectResponse("/me/login", status_code=303)
    clear_citizen_cookie(response)
    return response
