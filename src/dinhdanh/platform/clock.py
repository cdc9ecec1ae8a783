"""The one injectable clock: every 'now' in the code comes from here."""

from __future__ import annotations

import datetime as dt
from typing import Final, Protocol

VIETNAM: Final = dt.timezone(dt.timedelta(hours=7))
"""Vietnam's time zone (UTC+7, no daylight saving): the registry's dates and the pages'
times."""


class Clock(Protocol):
    """A source of the current time."""

    def now(self) -> dt.datetime: ...

    def today(self) -> dt.date: ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> dt.datetime:
        """Return the current UTC time."""
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        """Return today's date in Vietnam (UTC+7), where the registry's dates live."""
        return self.now().astimezone(VIETNAM).date()


class FrozenClock(SystemClock):
    """A clock that stands still until moved (tests, benchmarks)."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = at

    def now(self) -> dt.datetime:
        """Return the frozen time."""
        return self._at

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self._at += dt.timedelta(**delta)


clock: Clock = SystemClock()


def set_clock(new: Clock) -> None:
    """Replace the process clock (tests)."""
    global clock
    clock = new


def now() -> dt.datetime:
    """The current UTC time from the installed clock."""
    return clock.now()


def today() -> dt.date:
    """Today's date (Vietnam) from the installed clock."""
    return clock.today()


def local_time(at: dt.datetime | float | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A moment (datetime or epoch seconds) in Vietnam time, as pages show it."""
    if at is None:
        return "—"
    if not isinstance(at, dt.datetime):
        at = dt.datetime.fromtimestamp(at, dt.UTC)
    return at.astimezone(VIETNAM).strftime(fmt)
