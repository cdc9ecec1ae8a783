"""Level 1 in the app (and on the web): a person registers their own level-1 account.

The steps: `start` (personal ID, phone, optional e-mail; a one-time code goes to the
phone), `verify_phone` (the code), then, in `level1_card`, `submit` (the card — its chip
files or its QR text — and a selfie; every automatic check of `level1_checks` runs, then
the face goes to the matcher) and `finish` (the face decided: on a match the level-1
account is created and its initial password sent by SMS; otherwise the person is asked
to visit the office). This file holds the steps up to the card, the registration's
loading and state, and its status.

The person has no account yet, so the registration is its own credential: `start` returns
a random token (only its digest is kept) that every later step presents. The checks run
before anything is written, so a refused submission leaves nothing behind but its audit
event and the count of refusals (`record_refusal`, committed by the caller); after
`MAX_REFUSALS` the registration closes and the person starts again (within the per-ID
limit on starts). Every change writes one audit event with the person's registry id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import service as accounts
from dinhdanh.accounts.service import AccountTools
from dinhdanh.enrollment.face_match import FaceMatcher, OfficerQueueMatcher
from dinhdanh.enrollment.level1_models import Level1Registration
from dinhdanh.enrollment.steps import record_on
from dinhdanh.platform import clock, outbox
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import FieldCipher, constant_time_equals, random_token, token_digest
from dinhdanh.platform.errors import Conflict, NotFound, Problem
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.population.identity import identity
from dinhdanh.population.rules import Checker, typed_personal_id
from dinhdanh.population.service import parse_uuid

SUBJECT: Final = "level1_registration"
PHONE_CODE: Final = "level1-phone"
LIFETIME: Final = dt.timedelta(hours=24)  # to finish the steps before the face check
MAX_REFUSALS: Final = 5
NOT_FOUND: Final = N_("No registration with this reference, or it has expired.")
# What each state lets the person do next, for the app and the pages.
NEXT_STEP: Final[dict[str, str | None]] = {
    "started": "verify_phone",
    "phone_verified": "submit_card",
    "face_check": None,
    "approved": None,
    "rejected": None,
    "closed": None,
}


@dataclass
class Level1Tools:
    """What level-1 registration uses: the account tools (codes, limits, the account made
    on a match), the field cipher, the configured face matcher and the officer queue."""

    accounts: AccountTools
    cipher: FieldCipher
    matcher: FaceMatcher
    settings: Any

    @property
    def officer_queue(self) -> FaceMatcher:
        """The matcher of a QR-only registration, whatever is configured: a person decides."""
        if isinstance(self.matcher, OfficerQueueMatcher):
            return self.matcher
        return OfficerQueueMatcher(self.cipher)


async def record(
    session: AsyncSession,
    actor: Principal,
    action: str,
    registration: Level1Registration,
    data: dict[str, Any] | None = None,
) -> None:
    """The audit event of one step, with the person's registry id for their activity log."""
    data = {"channel": registration.channel, **(data or {})}
    await record_on(session, actor, SUBJECT, registration, action, data)


async def sms(
    session: AsyncSession, registration: Level1Registration, message: str, **params: Any
) -> None:
    """Queue an SMS to the registration's phone: `message` a msgid, translated now."""
    await outbox.enqueue(
        session, channel="sms", recipient=registration.phone, body=gettext(message, **params)
    )


# ---------------------------------------------------------------- start and the phone


def _check_contact(personal_id: str, phone: str, email: str) -> tuple[str, str, str | None]:
    checker = Checker()
    pid = checker.check("personal_id", typed_personal_id, personal_id)
    clean_phone = checker.check("phone", accounts.check_phone, phone)
    clean_email = checker.check("email", accounts.check_email, email)
    checker.raise_if_any()
    assert pid is not None and clean_phone is not None
    return pid, clean_phone, clean_email


async def start(
    *,
    session: AsyncSession,
    tools: Level1Tools,
    actor: Principal,
    channel: str,
    personal_id: str,
    phone: str,
    email: str = "",
) -> tuple[Level1Registration, str]:
    """Open a registration and send the phone its code; returns it and its token (shown
    once). Limited per client address and per personal ID."""
    pid, clean_phone, clean_email = _check_contact(personal_id, phone, email)
    limiter, settings = tools.accounts.limiter, tools.settings
    await limiter.hit(settings.level1_start_limit_ip, "level1-start-ip", actor.client_ip or "-")
    await limiter.hit(settings.level1_start_limit_id, "level1-start-id", pid)
    # Who the ID names, for their activity log only: nothing of it goes back to the caller.
    person = await identity(session=session, personal_id=pid)
    token = random_token()
    registration = Level1Registration(
        channel=channel,
        personal_id=pid,
        citizen_id=person.id if person else None,
        phone=clean_phone,
        email=clean_email,
        token_digest=token_digest(token),
        state="started",
        checks={},
        no_chip_verification=False,
        refused_attempts=0,
    )
    session.add(registration)
    await session.flush()
    await record(
        session, actor, "level1.started", registration, {"phone": accounts.mask_phone(clean_phone)}
    )
    await _send_code(session, tools, registration)
    return registration, token


async def _send_code(
    session: AsyncSession, tools: Level1Tools, registration: Level1Registration
) -> None:
    code = await tools.accounts.codes.issue(
        PHONE_CODE, str(registration.id), bound_to=registration.phone
    )
    minutes = max(1, tools.settings.one_time_code_seconds // 60)
    await sms(
        session,
        registration,
        N_(
            "dinhdanh: %(code)s is your code to register an e-ID account. It expires in "
            "%(minutes)s minutes. Never share it."
        ),
        code=code,
        minutes=minutes,
    )


async def send_phone_code(
    *, session: AsyncSession, tools: Level1Tools, actor: Principal, registration: Level1Registration
) -> None:
    """A new code to the phone (not within 30 seconds of the last one)."""
    require_state(registration, "started")
    await _send_code(session, tools, registration)
    await record(session, actor, "level1.phone_code_sent", registration)


async def verify_phone(
    *,
    session: AsyncSession,
    tools: Level1Tools,
    actor: Principal,
    registration: Level1Registration,
    code: str,
) -> Level1Registration:
    """The phone's code: right once, within its time and five tries."""
    require_state(registration, "started")
    if not await tools.accounts.codes.verify(PHONE_CODE, str(registration.id), code or ""):
        raise Problem(
            N_("The code is not correct or has expired. Ask for a new one."),
            type="invalid-code",
            status=422,
        )
    registration.state = "phone_verified"
    registration.phone_verified_at = clock.now()
    registration.checks = {**registration.checks, "phone": True}
    await record(session, actor, "level1.phone_verified", registration)
    return registration


# ---------------------------------------------------------------- loading


async def load(
    *, session: AsyncSession, registration_id: str, token: str | None, for_update: bool = False
) -> Level1Registration:
    """The registration with this id whose token is `token`, else NotFound (the same for
    an unknown id, a wrong token and an expired registration)."""
    wanted = parse_uuid(registration_id)
    query = select(Level1Registration).where(Level1Registration.id == wanted)
    if for_update:
        query = query.with_for_update()
    found = await session.scalar(query) if wanted else None
    if (
        found is None
        or found.token_digest is None
        or not constant_time_equals(found.token_digest, token_digest(token or ""))
        or (found.state in ("started", "phone_verified") and expired(found))
    ):
        raise NotFound(NOT_FOUND, type="registration-not-found")
    return found


def expired(registration: Level1Registration) -> bool:
    """True when the steps before the face check were not finished within a day."""
    return registration.created_at + LIFETIME < clock.now()


def require_state(registration: Level1Registration, *wanted: str) -> None:
    """Conflict unless the registration is in one of the `wanted` states."""
    if registration.state not in wanted:
        raise Conflict(
            N_(
                "This step is already done, or no longer possible: reload to see where "
                "the registration stands."
            ),
            type="registration-state",
        )


# ---------------------------------------------------------------- status


@dataclass(frozen=True)
class RegistrationStatus:
    """Where a registration stands, as the app and the pages show it (no personal data
    but the masked phone)."""

    id: str
    state: str
    next_step: str | None
    phone: str
    evidence: str | None
    no_chip_verification: bool
    checks: dict[str, Any]
    attempts_left: int
    due_on: dt.date | None
    expires_at: dt.datetime


def status_of(registration: Level1Registration) -> RegistrationStatus:
    """The registration's state for its holder."""
    return RegistrationStatus(
        id=str(registration.id),
        state=registration.state,
        next_step=NEXT_STEP.get(registration.state),
        phone=accounts.mask_phone(registration.phone),
        evidence=registration.evidence,
        no_chip_verification=registration.no_chip_verification,
        checks=dict(registration.checks),
        attempts_left=max(0, MAX_REFUSALS - registration.refused_attempts),
        due_on=registration.due_on,
        expires_at=registration.created_at + LIFETIME,
    )
