"""The app's level-1 registration API (`/api/app/v1/level1/...`).

The person has no account yet: `POST /registrations` needs no sign-in and answers a
registration token, which every later step sends as `Authorization: Bearer <token>`.
Starting is limited per client address and per personal ID; the steps whose retry could
repeat an effect (starting: a registration and an SMS; a new code; the card: the face
check) take an `Idempotency-Key`. A refused card names the failed check in the problem's
`type` (`chip-signature`, `chip-dg-hash`, `registry-mismatch`, `age-guardian-only`, ...).

A signed-in level-2 holder registers a child under 14 or a ward at `POST /dependants`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, TypeAdapter

from dinhdanh.accounts.web import CurrentCitizen, bearer
from dinhdanh.enrollment import level1, level1_card, level1_guardian
from dinhdanh.enrollment.level1_checks import Refused
from dinhdanh.enrollment.level1_web import (
    MAX_SUBMIT_BYTES,
    Tools,
    anonymous,
    read_card_upload,
)
from dinhdanh.platform import idempotency
from dinhdanh.platform.errors import Problem, Unauthorized
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.idempotency import IdempotencyKey
from dinhdanh.platform.web import Session, problem_json, refuse_large_body

router = APIRouter(prefix="/api/app/v1/level1", tags=["app: level-1 registration"])


class StartIn(BaseModel):
    """The first step: who registers, and where the code goes."""

    personal_id: str = Field(max_length=40, description="The 12-digit personal ID")
    phone: str = Field(max_length=40, description="A Vietnamese mobile number")
    email: str = Field(default="", max_length=254, description="Optional")


class CodeIn(BaseModel):
    """The code the phone received."""

    code: str = Field(max_length=20)


class DependantIn(BaseModel):
    """The child's or ward's personal ID."""

    personal_id: str = Field(max_length=40)


@dataclass(frozen=True)
class RegistrationOut(level1.RegistrationStatus):
    """Where a registration stands."""


@dataclass(frozen=True)
class StartedOut(RegistrationOut):
    """The new registration and its token (shown only here)."""

    token: str


class DependantOut(BaseModel):
    """The registration made by a parent or guardian."""

    id: str
    state: str
    relation: str
    account_id: str


_AS_JSON: Final = TypeAdapter(level1.RegistrationStatus)


def _status(registration: Any) -> dict[str, Any]:
    return _AS_JSON.dump_python(level1.status_of(registration), mode="json")  # type: ignore[no-any-return]


@router.post("/registrations", status_code=201, response_model=StartedOut)
async def start(
    request: Request, session: Session, tools: Tools, body: StartIn, key: IdempotencyKey = None
) -> Response:
    """Step 1: personal ID, phone and optional e-mail; a code goes to the phone by SMS."""
    actor = anonymous(request)

    async def operation() -> tuple[int, dict[str, Any]]:
        registration, token = await level1.start(
            session=session,
            tools=tools,
            actor=actor,
            channel="app",
            personal_id=body.personal_id,
            phone=body.phone,
            email=body.email,
        )
        return 201, {**_status(registration), "token": token}

    owner = f"level1-start:{actor.client_ip or '-'}"
    return await idempotency.once(request, session, owner=owner, operation=operation)


def _token(request: Request) -> str:
    """The registration's token from `Authorization: Bearer`, else 401."""
    token = bearer(request)
    if not token:
        raise Unauthorized(
            N_("Send the registration's token: Authorization: Bearer <token>."),
            type="registration-token-missing",
        )
    return token


# A dependency: checked before the body or the Idempotency-Key is looked at.
Token = Annotated[str, Depends(_token)]


async def _registration(
    session: Session, registration_id: str, token: str, *, for_update: bool = False
) -> Any:
    return await level1.load(
        session=session, registration_id=registration_id[:40], token=token, for_update=for_update
    )


@router.get("/registrations/{registration_id}", response_model=RegistrationOut)
async def status(session: Session, token: Token, registration_id: str) -> dict[str, Any]:
    """Where the registration stands (the app polls it while an officer decides)."""
    return _status(await _registration(session, registration_id, token))


@router.post("/registrations/{registration_id}/code", status_code=202)
async def send_code(
    request: Request,
    session: Session,
    tools: Tools,
    token: Token,
    registration_id: str,
    key: IdempotencyKey = None,
) -> Response:
    """Send a new code to the phone (30 seconds after the last one at the earliest)."""
    registration = await _registration(session, registration_id, token, for_update=True)

    async def operation() -> tuple[int, dict[str, Any]]:
        await level1.send_phone_code(
            session=session, tools=tools, actor=anonymous(request), registration=registration
        )
        return 202, {"sent_to": level1.status_of(registration).phone}

    owner = f"level1:{registration.id}"
    return await idempotency.once(request, session, owner=owner, operation=operation)


@router.post("/registrations/{registration_id}/phone", response_model=RegistrationOut)
async def verify_phone(
    request: Request,
    session: Session,
    tools: Tools,
    token: Token,
    registration_id: str,
    body: CodeIn,
) -> dict[str, Any]:
    """Step 2: the code from the SMS."""
    registration = await _registration(session, registration_id, token, for_update=True)
    await level1.verify_phone(
        session=session,
        tools=tools,
        actor=anonymous(request),
        registration=registration,
        code=body.code,
    )
    return _status(registration)


@router.post(
    "/registrations/{registration_id}/card",
    status_code=202,
    response_model=RegistrationOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "chip": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                                "description": "The chip's files as read over NFC: DG1, "
                                "DG2, DG13 and EF.SOD (any order, told apart by content)",
                            },
                            "qr_text": {
                                "type": "string",
                                "description": "Without NFC: the text of the card's QR code",
                            },
                            "selfie": {"type": "string", "format": "binary"},
                        },
                        "required": ["selfie"],
                    }
                }
            },
        }
    },
)
async def submit_card(
    request: Request,
    session: Session,
    tools: Tools,
    token: Token,
    registration_id: str,
    key: IdempotencyKey = None,
) -> Response:
    """Step 3: the card's chip files (or its QR text) and a selfie. Every check runs; the
    face then waits for an officer of the person's commune (202)."""
    if "content-length" not in request.headers:
        raise Problem(N_("Send the upload with its length."), type="length-required", status=411)
    refuse_large_body(request, MAX_SUBMIT_BYTES)
    await request.body()  # kept: the Idempotency-Key's fingerprint covers it
    registration = await _registration(session, registration_id, token, for_update=True)
    upload = await read_card_upload(await request.form(max_files=10, max_fields=10))
    actor = anonymous(request)

    async def operation() -> tuple[int, dict[str, Any]]:
        await level1_card.submit(
            session=session, tools=tools, actor=actor, registration=registration, upload=upload
        )
        return 202, _status(registration)

    try:
        return await idempotency.once(
            request, session, owner=f"level1:{registration.id}", operation=operation
        )
    except Refused as refused:
        # Answered, not raised: the refusal's audit event and count must commit.
        await level1_card.record_refusal(
            session=session, actor=actor, registration=registration, refused=refused
        )
        return problem_json(request, refused)


@router.post("/dependants", status_code=201, response_model=DependantOut)
async def register_dependant(
    request: Request,
    session: Session,
    tools: Tools,
    principal: CurrentCitizen,
    body: DependantIn,
    key: IdempotencyKey = None,
) -> Response:
    """A level-2 holder registers level 1 for their child under 14 or their ward; the
    initial password comes to the holder's phone."""

    async def operation() -> tuple[int, dict[str, Any]]:
        registration = await level1_guardian.register_dependant(
            session=session, tools=tools, actor=principal, personal_id=body.personal_id
        )
        return 201, {
            "id": str(registration.id),
            "state": registration.state,
            "relation": registration.relation,
            "account_id": str(registration.account_id),
        }

    owner = f"citizen:{principal.id}"
    return await idempotency.once(request, session, owner=owner, operation=operation)
