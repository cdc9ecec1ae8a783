"""The holder's activity log: every audit event about them — sign-ins and failed attempts,
changes, locks, officers' views and look-ups of their registry record, listings beside a
relative's record — newest first, told in citizen terms and in the reader's language.

Who acted is said without naming staff: "you", "a police officer of unit CAX-00004", "the
system". The client address is shown only for what the holder (or someone signing in with
their personal ID) did: an officer's or another citizen's address is not the holder's to
see. Event data is never shown raw, so no full personal ID reaches the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.devices import place_label
from dinhdanh.accounts.locks import REASON_LABELS
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.profile import field_label
from dinhdanh.platform import clock, i18n
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.i18n import N_, gettext

PAGE_SIZE: Final = 50
MAX_PAGE: Final = 10_000

ACTION_LABELS: Final[dict[str, str]] = {
    "account.created": N_("Account created"),
    "account.initial_password_sent": N_("Initial password sent by SMS"),
    "account.activated": N_("Account activated"),
    "account.signed_in": N_("Signed in to the account"),
    "account.sign_in_failed": N_("Failed sign-in attempt"),
    "account.sign_in_code_sent": N_("Sign-in code sent by SMS"),
    "account.signed_out": N_("Signed out of the account"),
    "account.password_changed": N_("Password changed"),
    "account.password_reset": N_("Password reset"),
    "account.passcode_changed": N_("Passcode changed"),
    "account.locked": N_("Account locked"),
    "account.unlocked": N_("Account unlocked"),
    "account.correction_requested": N_("Error in your data reported"),
    "account.correction_listed": N_("Your error report was read in the police queue"),
    "account.correction_closed": N_("Your error report was answered"),
    "population.citizen.viewed": N_("Your registry record was viewed"),
    "population.citizen.looked_up": N_("Your personal ID was looked up in the registry"),
    "population.citizen.listed": N_("You were shown in a registry list"),
    "population.residence.moved": N_("Residence change recorded"),
    "population.birth.recorded": N_("Birth registered"),
    "population.death.recorded": N_("Death recorded"),
    "population.household.head_changed": N_("Head of household changed"),
    "oidc.signed_in": N_("Signed in to a connected service"),
    "oidc.consent_granted": N_("You allowed a service to receive your data"),
    "oidc.consent_revoked": N_("You withdrew a service's access to your data"),
    "oidc.claims_released": N_("Your data was sent to a connected service"),
    "oidc.household_released": N_("Your household data was sent to a connected service"),
    "oidc.tokens_revoked": N_("A connected service's access was ended"),
}
# Unknown actions (added by later features) still read sensibly, by their family.
GENERIC_LABELS: Final[dict[str, str]] = {
    "account.": N_("Change to your account"),
    "population.": N_("Your registry record"),
    "oidc.": N_("Connected services"),
}
# What a later context's event data means (the claims a service received, ...): that
# context registers a writer at import, the way event handlers subscribe, since accounts
# may not import it.
DetailWriter = Callable[[dict[str, Any]], str]
DETAIL_WRITERS: dict[str, DetailWriter] = {}


def explains(action: str) -> Callable[[DetailWriter], DetailWriter]:
    """Register the writer of an action's details (a decorator)."""

    def register(writer: DetailWriter) -> DetailWriter:
        DETAIL_WRITERS[action] = writer
        return writer

    return register


OTHER_ACTIVITY: Final = N_("Other activity")

# Who acted, as the holder reads it.
YOU, SOMEONE, OFFICER, CITIZEN, SYSTEM, SERVICE = (
    "you",
    "someone",
    "officer",
    "citizen",
    "system",
    "service",
)
# Events an unknown person can cause with the holder's personal ID alone.
_ATTEMPTS: Final = frozenset({"account.sign_in_failed"})

_CHANNELS: Final = {"web": N_("Web"), "app": N_("App")}
_METHODS: Final = {
    "password": N_("password"),
    "initial": N_("initial password"),
    "totp": N_("authenticator app"),
    "sms": N_("SMS code"),
    "recovery": N_("recovery code"),
    "passkey": N_("passkey"),
    "unlock": N_("unlock"),
}
_FAILURES: Final = {
    "bad_password": N_("wrong password"),
    "bad_code": N_("wrong code"),
    "locked_out": N_("too many attempts"),
    "initial_expired": N_("initial password expired"),
}
_MOVES: Final = {
    "permanent": N_("permanent residence"),
    "temporary": N_("temporary residence"),
    "end_temporary": N_("end of temporary residence"),
}


@dataclass(frozen=True)
class ActivityEntry:
    """One line of the holder's activity log, ready to show (texts already translated)."""

    id: int
    at: dt.datetime  # UTC
    when: str  # Vietnam local time, DD/MM/YYYY HH:MM:SS
    action: str
    label: str
    actor: str  # you | someone | officer | citizen | system | service
    who: str
    unit: str | None
    channel: str | None
    device: str | None
    place: str | None
    details: str
    ip: str | None


@dataclass(frozen=True)
class ActivityPage:
    """One page of the log, newest first."""

    entries: list[ActivityEntry]
    page: int
    has_next: bool


def local_time(at: dt.datetime) -> str:
    """A moment in Vietnam time, the Vietnamese way (DD/MM/YYYY HH:MM:SS)."""
    return clock.local_time(at, "%d/%m/%Y %H:%M:%S")


def action_label(action: str) -> str:
    """The action in the reader's language; a family label for unknown ones."""
    msgid = ACTION_LABELS.get(action)
    if msgid is None:
        family = next((p for p in GENERIC_LABELS if action.startswith(p)), None)
        msgid = GENERIC_LABELS[family] if family else OTHER_ACTIVITY
    return gettext(msgid)


def _actor(event: AuditEvent, account: Account) -> str:
    kind = event.actor_kind
    if kind == "citizen":
        if event.actor_id != str(account.id):
            return CITIZEN
        return SOMEONE if event.action in _ATTEMPTS else YOU
    if kind == "anonymous":
        return SOMEONE
    if kind == "staff":
        return OFFICER
    if kind == "system":
        return SYSTEM
    return SERVICE


def _who(actor: str, event: AuditEvent) -> str:
    if actor == YOU:
        return gettext(N_("You"))
    if actor == SOMEONE:
        return gettext(N_("Someone signing in with your personal ID"))
    if actor == OFFICER:
        if event.actor_unit:
            return gettext(N_("A police officer of unit %(unit)s"), unit=event.actor_unit)
        return gettext(N_("A police officer"))
    if actor == CITIZEN:
        if event.action == "population.citizen.listed":
            return gettext(N_("A relative or household member viewing their own record"))
        return gettext(N_("Another citizen"))
    if actor == SYSTEM:
        return gettext(N_("The system"))
    return gettext(N_("A connected service"))


def _label_of(table: dict[str, str], value: Any) -> str:
    return i18n.label(table, None if value is None else str(value), default="")


def _details(event: AuditEvent) -> str:
    """A short explanation from the event's data (known keys only, never raw data)."""
    data = event.data or {}
    action = event.action
    parts: list[str] = []
    if action in DETAIL_WRITERS:
        parts.append(DETAIL_WRITERS[action](data))
    elif action == "account.signed_in":
        method = _label_of(_METHODS, data.get("method"))
        if method:
            parts.append(gettext(N_("with %(method)s"), method=method))
        if data.get("other_app_devices_signed_out"):
            parts.append(gettext(N_("the app was signed out on your other phone")))
    elif action == "account.sign_in_failed":
        parts.append(_label_of(_FAILURES, data.get("reason")))
    elif action == "account.locked":
        parts.append(_label_of(REASON_LABELS, data.get("reason")))
    elif action == "account.unlocked":
        parts += [_label_of(REASON_LABELS, r) for r in data.get("reasons") or []]
        if data.get("still_locked"):
            parts.append(gettext(N_("other locks remain")))
    elif action.startswith("account.correction_") and data.get("field"):
        parts.append(field_label(str(data["field"])))
    elif action == "population.residence.moved":
        parts.append(_label_of(_MOVES, data.get("kind")))
    elif action == "population.citizen.looked_up":
        parts.append(gettext(N_("by personal ID")))
    return " · ".join(p for p in parts if p)


def entry_of(event: AuditEvent, account: Account) -> ActivityEntry:
    """An audit event as a line of the holder's log."""
    data = event.data or {}
    actor = _actor(event, account)
    sign_in = event.action.startswith(("account.signed_", "account.sign_in"))
    channel = _label_of(_CHANNELS, data.get("channel")) or None
    device = str(data["device"])[:60] if sign_in and data.get("device") else None
    place = place_label(str(data["place"])) if sign_in and "place" in data else None
    return ActivityEntry(
        id=event.id,
        at=event.at,
        when=local_time(event.at),
        action=event.action,
        label=action_label(event.action),
        actor=actor,
        who=_who(actor, event),
        unit=event.actor_unit if actor == OFFICER else None,
        channel=channel,
        device=device,
        place=place,
        details=_details(event),
        ip=event.client_ip if actor in (YOU, SOMEONE) else None,
    )


async def activity(*, session: AsyncSession, account: Account, page: int = 1) -> ActivityPage:
    """The holder's activity log, newest first, 50 a page (page 1 is the newest)."""
    page = max(1, min(page, MAX_PAGE))
    rows = list(
        await session.scalars(
            select(AuditEvent)
            .where(AuditEvent.citizen_id == account.citizen_id)
            .order_by(AuditEvent.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    entries = [entry_of(e, account) for e in rows[:PAGE_SIZE]]
    return ActivityPage(entries, page, len(rows) > PAGE_SIZE)


async def activity_entries(
    *, session: AsyncSession, account: Account, page: int = 1
) -> list[ActivityEntry]:
    """The entries of one page of the activity log (for the app's JSON)."""
    return (await activity(session=session, account=account, page=page)).entries
