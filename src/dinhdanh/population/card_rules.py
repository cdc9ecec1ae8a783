"""Identity card rules: validity (Law on Identity 2023, Art. 21) and card kind.

Art. 21: a card must be renewed when the holder reaches 14, 25, 40 and 60; a card issued
(or renewed, reissued) within 2 years before one of those ages stays valid until the
next one; a card held from 60 does not expire. The 2-year rule applies to 14 as well, so
a card issued between the 12th and the 14th birthday lasts until 25, and one issued
between 58 and 60 never expires.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Final, Literal

__all__ = [
    "CARD_2024_FROM",
    "GRACE_YEARS",
    "RENEWAL_AGES",
    "CardKind",
    "card_expiry",
    "card_kind_for",
    "milestone_date",
]

RENEWAL_AGES: Final[tuple[int, ...]] = (14, 25, 40, 60)
GRACE_YEARS: Final = 2
CARD_2024_FROM: Final = date(2024, 7, 1)

CardKind = Literal["can_cuoc_2024", "cccd_2021"]


def _check_birth(birth_year: int, birth_month: int | None, birth_day: int | None) -> None:
    if birth_day is not None and birth_month is None:
        raise ValueError("birth day given without birth month")
    if birth_month is not None and not 1 <= birth_month <= 12:
        raise ValueError(f"invalid birth month {birth_month}")
    if birth_month is not None and birth_day is not None:
        date(birth_year, birth_month, birth_day)  # raises ValueError on an impossible date


def milestone_date(
    birth_year: int, birth_month: int | None, birth_day: int | None, age: int
) -> date:
    """Return the day a person reaches ``age``, with partial birth dates resolved late.

    Year only → 31 December of that year; year and month → the last day of that month.
    A 29 February birthday falls on 28 February in a non-leap year.
    """
    _check_birth(birth_year, birth_month, birth_day)
    year = birth_year + age
    if birth_month is None:
        return date(year, 12, 31)
    last_day = calendar.monthrange(year, birth_month)[1]
    day = last_day if birth_day is None else min(birth_day, last_day)
    return date(year, birth_month, day)


def card_expiry(
    birth_year: int, birth_month: int | None, birth_day: int | None, issue_date: date
) -> date | None:
    """Return the expiry date of a card issued on ``issue_date`` (None: no expiry).

    The card expires on the day the holder reaches the next renewal age (14, 25, 40, 60),
    skipping an age that is at most 2 years after issue (the day of the age minus 2 years
    counts as "within 2 years"). From 60 - or within 2 years before it - no expiry.
    Partial birth dates: year only → 31 Dec, year and month → last day of the month (see
    :func:`milestone_date`); this errs toward the later date.
    """
    _check_birth(birth_year, birth_month, birth_day)
    if issue_date < date(birth_year, birth_month or 1, birth_day or 1):
        raise ValueError("issue date is before the date of birth")
    for age in RENEWAL_AGES:
        milestone = milestone_date(birth_year, birth_month, birth_day, age)
        if issue_date >= milestone:
            continue
        grace_start = milestone_date(birth_year, birth_month, birth_day, age - GRACE_YEARS)
        if issue_date >= grace_start:
            continue
        return milestone
    return None


def card_kind_for(issue_date: date) -> CardKind:
    """Return the card kind for an issue date: the 2024 căn cước from 1 July 2024."""
    return "can_cuoc_2024" if issue_date >= CARD_2024_FROM else "cccd_2021"
