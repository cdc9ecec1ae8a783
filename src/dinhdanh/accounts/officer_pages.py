"""The officer's account pages: look-up, lock and unlock, new initial password, sessions;
administrators also create an account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import officer
from dinhdanh.accounts.locks import REASON_LABELS, officer_may_lift
from dinhdanh.accounts.models import OFFICER_LOCK_REASONS
from dinhdanh.accounts.service import AccountTools, NewAccount
from dinhdanh.accounts.web import Tools
from dinhdanh.platform import i18n
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.web import Session, render_form, require_staff, submit

router = APIRouter(prefix="/officer/accounts", include_in_schema=False)
Officer = Annotated[Principal, require_staff("officer", "supervisor", "admin")]
Admin = Annotated[Principal, require_staff("admin")]

# Messages shown after a redirect; the query carries only the key.
DONE: Final[dict[str, str]] = {
    "created": N_("The account was created and the initial password was sent by SMS."),
    "locked": N_("The account is locked and every session was signed out."),
    "unlocked": N_("The lock was lifted."),
    "password-sent": N_(
        "A new initial password was sent by SMS. The old password no longer works."
    ),
    "sessions-ended": N_("Every session of the account was ended."),
}
LABELS: Final[dict[str, dict[str, str]]] = {
    "reason": REASON_LABELS,
    "status": {"pending": N_("Waiting for activation"), "active": N_("Active")},
    "by": {"holder": N_("The holder"), "officer": N_("Police"), "system": N_("The registry")},
    "actor": {
        "citizen": N_("The holder"),
        "staff": N_("Police"),
        "system": N_("System"),
        "anonymous": N_("Unknown"),
    },
    "action": {
        "account.created": N_("Account created"),
        "account.initial_password_sent": N_("Initial password sent by SMS"),
        "account.activated": N_("Account activated"),
        "account.signed_in": N_("Signed in to the account"),
        "account.sign_in_failed": N_("Failed sign-in"),
        "account.signed_out": N_("Signed out"),
        "account.sign_in_code_sent": N_("Sign-in code sent by SMS"),
        "account.locked": N_("Account locked"),
        "account.unlocked": N_("Lock lifted"),
        "account.password_changed": N_("Password changed"),
        "account.passcode_changed": N_("Passcode changed"),
        "account.sessions_ended": N_("Every session ended"),
    },
}


def _label(kind: str, value: str | None) -> str:
    """The translated label of a coded value (the value itself when unknown)."""
    return i18n.label(LABELS[kind], value)


async def _account_page(
    request: Request,
    session: AsyncSession,
    tools: AccountTools,
    principal: Principal,
    *,
    account_id: str | None = None,
    personal_id: str | None = None,
    problem: Problem | None = None,
    form_name: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    if personal_id is not None:
        found = await officer.find(
            session=session, tools=tools, principal=principal, personal_id=personal_id
        )
    else:
        assert account_id is not None
        found = await officer.detail(
            session=session, tools=tools, principal=principal, account_id=account_id
        )
    done = DONE.get(request.query_params.get("done", ""))
    return render_form(
        request,
        "accounts/officer_account.html",
        problem,
        found=found,
        label=_label,
        may_lift=officer_may_lift,
        reasons=[(r, _label("reason", r)) for r in OFFICER_LOCK_REASONS],
        done=gettext(done) if done else None,
        form_name=form_name,
        values=values or {},
    )


def _shown_again(
    request: Request,
    session: AsyncSession,
    tools: AccountTools,
    principal: Principal,
    account_id: str,
    form_name: str,
    values: dict[str, str] | None = None,
) -> Callable[[Problem], Awaitable[Response]]:
    """Undo anything the failed action flushed, then show the account with the form's error."""

    async def failed(problem: Problem) -> Response:
        await session.rollback()
        return await _account_page(
            request,
            session,
            tools,
            principal,
            account_id=account_id,
            problem=problem,
            form_name=form_name,
            values=values,
        )

    return failed


def _then(account_id: str, done: str) -> Callable[[Any], str]:
    return lambda _: f"/officer/accounts/{account_id}?done={done}"


@router.get("", response_class=HTMLResponse)
async def search_page(
    request: Request, session: Session, tools: Tools, principal: Officer, personal_id: str = ""
) -> Response:
    """Find the account of a citizen of your unit by personal ID."""
    if personal_id.strip():
        try:
            return await _account_page(
                request, session, tools, principal, personal_id=personal_id[:40]
            )
        except Problem as problem:
            return render_form(
                request,
                "accounts/officer_search.html",
                problem,
                personal_id=personal_id[:40],
                can_create=principal.has_role("admin") and problem.type == "no-account",
            )
    return render_form(request, "accounts/officer_search.html", personal_id="", can_create=False)


@router.get("/new", response_class=HTMLResponse)
async def new_account_form(request: Request, principal: Admin, personal_id: str = "") -> Response:
    """The administrator's form to create a citizen's account."""
    form = {"personal_id": personal_id[:40], "phone": "", "email": "", "level": "2"}
    return render_form(request, "accounts/officer_new.html", form=form)


@router.post("/new")
async def create_account(
    request: Request,
    session: Session,
    tools: Tools,
    principal: Admin,
    personal_id: Annotated[str, Form(max_length=40)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    level: Annotated[str, Form(max_length=2)] = "2",
) -> Response:
    """Create the account; the initial password goes by SMS to the phone."""
    form = {"personal_id": personal_id, "phone": phone, "email": email, "level": level}
    data = NewAccount(personal_id, phone, email, int(level) if level in ("1", "2") else 0)

    try:
        account = await officer.create_account(
            session=session, tools=tools, principal=principal, data=data
        )
    except Problem as problem:  # an unknown citizen too: a mistake in the form, not a lost page
        await session.rollback()
        return render_form(request, "accounts/officer_new.html", problem, form=form)
    return RedirectResponse(f"/officer/accounts/{account.id}?done=created", status_code=303)


@router.get("/{account_id}", response_class=HTMLResponse)
async def account_page(
    request: Request, account_id: str, session: Session, tools: Tools, principal: Officer
) -> Response:
    """An account of your unit: status, locks, sessions, history and the office's actions."""
    return await _account_page(request, session, tools, principal, account_id=account_id)


@router.post("/{account_id}/lock")
async def lock_form(
    request: Request,
    account_id: str,
    session: Session,
    tools: Tools,
    principal: Officer,
    reason: Annotated[str, Form(max_length=24)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Lock the account with a legal reason and its grounds."""
    values = {"reason": reason, "note": note}
    return await submit(
        officer.lock(
            session=session,
            tools=tools,
            principal=principal,
            account_id=account_id,
            reason=reason,
            note=note,
        ),
        then=_then(account_id, "locked"),
        failed=_shown_again(request, session, tools, principal, account_id, "lock", values),
    )


@router.post("/{account_id}/locks/{lock_id}/unlock")
async def unlock_form(
    request: Request,
    account_id: str,
    lock_id: str,
    session: Session,
    tools: Tools,
    principal: Officer,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Lift one lock at the office."""
    form_name = f"unlock-{lock_id[:40]}"
    return await submit(
        officer.unlock(
            session=session, principal=principal, account_id=account_id, lock_id=lock_id, note=note
        ),
        then=_then(account_id, "unlocked"),
        failed=_shown_again(
            request, session, tools, principal, account_id, form_name, {"note": note}
        ),
    )


@router.post("/{account_id}/initial-password")
async def initial_password_form(
    request: Request, account_id: str, session: Session, tools: Tools, principal: Officer
) -> Response:
    """Send a new initial password by SMS."""
    return await submit(
        officer.send_initial_password(
            session=session, tools=tools, principal=principal, account_id=account_id
        ),
        then=_then(account_id, "password-sent"),
        failed=_shown_again(request, session, tools, principal, account_id, "password"),
    )


@router.post("/{account_id}/sessions/end")
async def end_sessions_form(
    request: Request, account_id: str, session: Session, tools: Tools, principal: Officer
) -> Response:
    """End every session of the account."""
    return await submit(
        officer.end_sessions(
            session=session, tools=tools, principal=principal, account_id=account_id
        ),
        then=_then(account_id, "sessions-ended"),
        failed=_shown_again(request, session, tools, principal, account_id, "sessions"),
    )
