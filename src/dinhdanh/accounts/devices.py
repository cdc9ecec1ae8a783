"""Devices: the name of the browser or phone behind a session, and where it connects from.

The device name comes from the User-Agent through `ua-parser` (its rules ship with the
package); the place from the address through `geoip2fast`, whose country data file ships
with the package too: nothing is looked up online.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache
from typing import Final

from geoip2fast import GeoIP2Fast
from sqlalchemy.ext.asyncio import AsyncSession
from ua_parser import parse

from dinhdanh.accounts.models import Account
from dinhdanh.accounts.service import AccountTools, audit_account, end_other_sessions
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.platform.sessions import SessionData

LOCAL: Final = "local"


def device_name(agent: str, *, app_device: str = "") -> str:
    """'Chrome on Linux', or the name the app sent for its phone; at most 60 characters."""
    if app_device:
        return " ".join(app_device.split())[:60]
    if not agent:
        return N_("Unknown device")
    parsed = parse(agent[:500])
    browser = parsed.user_agent.family if parsed.user_agent else ""
    system = parsed.os.family if parsed.os else ""
    if browser and system and system != "Other":
        return f"{browser} / {system}"[:60]
    return (browser or system or agent.split("/", 1)[0])[:60]


@cache
def _geoip() -> GeoIP2Fast:
    return GeoIP2Fast(verbose=False)


def place_code(ip: str | None) -> str:
    """An ISO country code for a public address, 'local' for a private one, '' if unknown."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if address.is_private or address.is_loopback or address.is_link_local:
        return LOCAL
    found = _geoip().lookup(ip)
    code = getattr(found, "country_code", "") or ""
    return code if len(code) == 2 and code.isalpha() else ""


_COUNTRIES: Final = {"VN": N_("Viet Nam"), LOCAL: N_("Local network"), "": N_("Unknown place")}


def place_label(code: str) -> str:
    """The place as shown to the holder, in their language."""
    return gettext(_COUNTRIES[code]) if code in _COUNTRIES else code


@dataclass(frozen=True)
class Device:
    """One signed-in session as the holder sees it."""

    handle: str
    name: str
    channel: str
    place: str
    ip: str
    created: float
    last_seen: float
    current: bool


def as_device(data: SessionData, *, current_sid: str | None) -> Device:
    """A session as a device row."""
    extra = data.extra
    return Device(
        handle=data.handle,
        name=extra.get("dev", "") or gettext(N_("Unknown device")),
        channel=extra.get("ch", "web"),
        place=place_label(extra.get("pl", "")),
        ip=data.ip or "",
        created=data.created,
        last_seen=data.last_seen,
        current=data.id == current_sid,
    )


async def list_devices(
    tools: AccountTools, account_id: str, *, current_sid: str | None
) -> list[Device]:
    """The account's signed-in sessions, web and app, most recently used first."""
    sessions = []
    for store in tools.stores:
        sessions += [s for s in await store.list_for(account_id) if s.extra.get("st") == "ok"]
    sessions.sort(key=lambda s: s.last_seen, reverse=True)
    return [as_device(s, current_sid=current_sid) for s in sessions]


async def end_device(
    *, session: AsyncSession, tools: AccountTools, actor: Principal, account: Account, handle: str
) -> SessionData | None:
    """Sign out the session named `handle` (audited); the ended session, or None if none."""
    for store in tools.stores:
        for data in await store.list_for(str(account.id)):
            if data.handle == handle:
                await store.destroy(data)
                own = data.id == actor.session_id
                details = {"channel": data.extra.get("ch", "web"), "own": own}
                await audit_account(session, actor, "account.session_ended", account, details)
                return data
    return None


async def end_other_devices(
    *, session: AsyncSession, tools: AccountTools, actor: Principal, account: Account
) -> int:
    """Sign out every session but the caller's (audited); how many ended."""
    ended = await end_other_sessions(tools, account, keep=actor.session_id)
    await audit_account(session, actor, "account.sessions_ended", account, {"ended": ended})
    return ended
