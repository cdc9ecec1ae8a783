"""Legal time limits in working days: Monday to Friday, less Vietnam's public holidays.

The holidays come from the `holidays` package (its Vietnam calendar: New Year, the Tết
days the government sets, Hùng Kings, 30 April, 1 May, National Day, and the days off
moved in their place). Saturday working at the commune police, where a unit does it, is
not counted (*unconfirmed*: units' own working Saturdays are not in any public list).

The card procedure's limit (issue, renew, reissue) is 7 working days: the Law on
Identity 2023's figure as far as we know, *unconfirmed*, so configurable
(`Settings.card_application_working_days`). DOMAIN.md's account limits — level 2 within
3 working days with a valid card, 7 without — are met by the same count, since the
account comes with the card.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import holidays

__all__ = ["add_working_days", "is_overdue", "is_working_day", "public_holidays"]


@cache
def public_holidays(year: int) -> frozenset[dt.date]:
    """Vietnam's public holidays (and substituted days off) of one year."""
    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The day on which `days` working days after `start` have passed (`start` itself is
    not counted: an application opened on a Friday with 1 day is due the next Monday)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def is_overdue(due_on: dt.date, today: dt.date, *, decided: bool) -> bool:
    """An undecided application past its due day."""
    return not decided and today > due_on
