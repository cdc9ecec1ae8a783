"""Level-1 registration in a browser (`/register`): the app's steps as pages — personal ID
and phone, the phone's code, the card (its chip files or QR text) with a selfie, and the
registration's state — and the parent's or guardian's page (`/me/dependants/register`).

The registration's id and token travel in an HttpOnly cookie limited to `/register`; the
forms carry the CSRF token like every other form.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dinhdanh.accounts import service as accounts
from dinhdanh.accounts.web import CurrentCitizen
from dinhdanh.enrollment import level1, level1_card, level1_guardian
from dinhdanh.enrollment.level1_checks import Refused
from dinhdanh.enrollment.level1_models import Level1Registration
from dinhdanh.enrollment.level1_web import Tools, anonymous, read_card_upload
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import NotFound, Problem
from dinhdanh.platform.web import Session, render, render_form, set_session_cookie

router = APIRouter(prefix="/register", tags=["level-1 pages"], include_in_schema=False)
guardian_router = APIRouter(prefix="/me/dependants", include_in_schema=False)
COOKIE: Final = "dd_l1"
PATH: Final = "/register"
TEMPLATES: Final = "enrollment/level1/"
# The page of each state: where the registration continues.
PAGES: Final = {"started": "/register/phone", "phone_verified": "/register/card"}


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


async def _current(
    request: Request, session: Session, *, for_update: bool = False
) -> Level1Registration | None:
    """The registration of the browser's cookie; None without one, or when it is gone."""
    rid, _, token = (request.state.cookies.get(COOKIE) or "").partition(".")
    if not rid or not token:
        return None
    try:
        return await level1.load(
            session=session, registration_id=rid, token=token, for_update=for_update
        )
    except NotFound:
        return None


async def _on_page(
    request: Request, session: Session, here: str, *, for_update: bool = False
) -> Level1Registration | RedirectResponse:
    """The registration whose step is the page `here`; else where to go instead: the start
    without a registration, or the page of its state."""
    registration = await _current(request, session, for_update=for_update)
    if registration is None:
        return _see(PATH)
    page = PAGES.get(registration.state, "/register/status")
    return registration if page == here else _see(page)


# ---------------------------------------------------------------- start


@router.get("")
async def start_form(request: Request) -> Response:
    """The first step: personal ID, phone, e-mail."""
    return render_form(request, TEMPLATES + "start.html", form={})


@router.post("")
async def start(
    request: Request,
    session: Session,
    tools: Tools,
    personal_id: Annotated[str, Form(max_length=40)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """Open the registration and send the code; the browser keeps its token in a cookie."""
    form = {"personal_id": personal_id, "phone": phone, "email": email}
    try:
        registration, token = await level1.start(
            session=session,
            tools=tools,
            actor=anonymous(request),
            channel="web",
            personal_id=personal_id,
            phone=phone,
            email=email,
        )
    except Problem as problem:
        await session.rollback()
        return render_form(request, TEMPLATES + "start.html", problem, form=form)
    response = _see("/register/phone")
    set_session_cookie(request, response, COOKIE, f"{registration.id}.{token}", path=PATH)
    return response


# ---------------------------------------------------------------- the phone


def _phone_page(
    request: Request,
    registration: Level1Registration,
    problem: Problem | None = None,
    *,
    sent: bool = False,
) -> Response:
    return render_form(
        request,
        TEMPLATES + "phone.html",
        problem,
        phone=accounts.mask_phone(registration.phone),
        sent=sent,
    )


@router.get("/phone")
async def phone_form(request: Request, session: Session, sent: str = "") -> Response:
    """The second step: the code sent to the phone."""
    registration = await _on_page(request, session, "/register/phone")
    if isinstance(registration, Response):
        return registration
    return _phone_page(request, registration, sent=bool(sent))


@router.post("/phone")
async def verify_phone(
    request: Request,
    session: Session,
    tools: Tools,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Check the code."""
    registration = await _on_page(request, session, "/register/phone", for_update=True)
    if isinstance(registration, Response):
        return registration
    try:
        await level1.verify_phone(
            session=session,
            tools=tools,
            actor=anonymous(request),
            registration=registration,
            code=code,
        )
    except Problem as problem:
        return _phone_page(request, registration, problem)
    return _see("/register/card")


@router.post("/phone/resend")
async def resend_code(request: Request, session: Session, tools: Tools) -> Response:
    """Send a new code."""
    registration = await _on_page(request, session, "/register/phone", for_update=True)
    if isinstance(registration, Response):
        return registration
    try:
        await level1.send_phone_code(
            session=session, tools=tools, actor=anonymous(request), registration=registration
        )
    except Problem as problem:
        return _phone_page(request, registration, problem)
    return _see("/register/phone?sent=1")


# ---------------------------------------------------------------- the card and the selfie


def _card_page(
    request: Request, registration: Level1Registration, problem: Problem | None = None
) -> Response:
    return render_form(
        request,
        TEMPLATES + "card.html",
        problem,
        attempts_left=level1.status_of(registration).attempts_left,
    )


@router.get("/card")
async def card_form(request: Request, session: Session) -> Response:
    """The third step: the card's chip files (or its QR text) and a selfie."""
    registration = await _on_page(request, session, "/register/card")
    if isinstance(registration, Response):
        return registration
    return _card_page(request, registration)


@router.post("/card")
async def submit_card(request: Request, session: Session, tools: Tools) -> Response:
    """Run every check and hand the face to the matcher; a refusal names the failed check."""
    registration = await _on_page(request, session, "/register/card", for_update=True)
    if isinstance(registration, Response):
        return registration
    upload = await read_card_upload(await request.form())
    actor = anonymous(request)
    try:
        await level1_card.submit(
            session=session, tools=tools, actor=actor, registration=registration, upload=upload
        )
    except Refused as refused:
        await level1_card.record_refusal(
            session=session, actor=actor, registration=registration, refused=refused
        )
        if registration.state == "closed":
            return _see("/register/status")
        return _card_page(request, registration, refused)
    except Problem as problem:
        return _card_page(request, registration, problem)
    return _see("/register/status")


@router.get("/status")
async def status_page(request: Request, session: Session) -> Response:
    """Where the registration stands."""
    registration = await _current(request, session)
    if registration is None:
        return _see(PATH)
    return render(request, TEMPLATES + "status.html", current=level1.status_of(registration))


# ---------------------------------------------------------------- a parent's or guardian's


async def _dependant_page(
    request: Request,
    session: Session,
    principal: Principal,
    problem: Problem | None = None,
    *,
    done: bool = False,
    form: dict[str, str] | None = None,
) -> Response:
    account = await accounts.get_account(session, principal.id or "")
    return render_form(
        request,
        TEMPLATES + "dependant.html",
        problem,
        level=account.level,
        done=done,
        form=form or {},
    )


@guardian_router.get("/register")
async def dependant_form(
    request: Request, session: Session, principal: CurrentCitizen, done: str = ""
) -> Response:
    """Register level 1 for your child under 14 or your ward."""
    return await _dependant_page(request, session, principal, done=bool(done))


@guardian_router.post("/register")
async def register_dependant(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    personal_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Create the dependant's level-1 account; its initial password comes to your phone."""
    try:
        await level1_guardian.register_dependant(
            session=session, tools=tools, actor=principal, personal_id=personal_id
        )
    except Problem as problem:
        await session.rollback()
        return await _dependant_page(
            request, session, principal, problem, form={"personal_id": personal_id}
        )
    return _see("/me/dependants/register?done=1")
