"""Tests for card validity (Law on Identity 2023, Art. 21) and card kind."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dinhdanh.population.card_rules import card_expiry, card_kind_for, milestone_date

# Born 2000-05-10: 14 → 2014-05-10, 25 → 2025-05-10, 40 → 2040-05-10, 60 → 2060-05-10.
B = (2000, 5, 10)


@pytest.mark.parametrize(
    ("issued", "expires"),
    [
        (date(2021, 1, 1), date(2025, 5, 10)),  # age 20: until 25
        (date(2023, 5, 9), date(2025, 5, 10)),  # one day before the 2-year window
        (date(2023, 5, 10), date(2040, 5, 10)),  # window opens on the 23rd birthday
        (date(2023, 6, 1), date(2040, 5, 10)),  # within 2 years before 25: until 40
        (date(2025, 5, 9), date(2040, 5, 10)),  # the day before 25
        (date(2025, 5, 10), date(2040, 5, 10)),  # renewed on the 25th birthday
        (date(2030, 1, 1), date(2040, 5, 10)),
        (date(2038, 5, 9), date(2040, 5, 10)),
        (date(2038, 5, 10), date(2060, 5, 10)),  # within 2 years before 40: until 60
        (date(2045, 1, 1), date(2060, 5, 10)),
        (date(2058, 5, 9), date(2060, 5, 10)),
        (date(2058, 5, 10), None),  # within 2 years before 60: no expiry
        (date(2060, 5, 10), None),
        (date(2061, 6, 1), None),  # issued at 61
        (date(2005, 3, 1), date(2014, 5, 10)),  # under 14 (age 4): until 14
        (date(2012, 5, 9), date(2014, 5, 10)),
        (date(2012, 5, 10), date(2025, 5, 10)),  # within 2 years before 14: until 25
        (date(2014, 5, 10), date(2025, 5, 10)),
    ],
)
def test_worked_examples(issued: date, expires: date | None) -> None:
    assert card_expiry(*B, issued) == expires


def test_issued_at_61_has_no_expiry() -> None:
    assert card_expiry(1960, 1, 1, date(2021, 7, 1)) is None


def test_year_only_birth_date_uses_31_december() -> None:
    assert card_expiry(1990, None, None, date(2010, 1, 1)) == date(2015, 12, 31)
    assert milestone_date(1990, None, None, 14) == date(2004, 12, 31)
    # Window for 25 opens on 31 Dec 2013 (age 23 under the same convention).
    assert card_expiry(1990, None, None, date(2013, 12, 30)) == date(2015, 12, 31)
    assert card_expiry(1990, None, None, date(2013, 12, 31)) == date(2030, 12, 31)


def test_year_month_birth_date_uses_last_day_of_month() -> None:
    assert card_expiry(1990, 2, None, date(2010, 1, 1)) == date(2015, 2, 28)
    assert card_expiry(1990, 4, None, date(2010, 1, 1)) == date(2015, 4, 30)
    assert milestone_date(1990, 2, None, 10) == date(2000, 2, 29)  # leap year


def test_29_february_birthday() -> None:
    assert milestone_date(2004, 2, 29, 25) == date(2029, 2, 28)
    assert milestone_date(2004, 2, 29, 40) == date(2044, 2, 29)
    assert card_expiry(2004, 2, 29, date(2022, 1, 1)) == date(2029, 2, 28)


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError):
        card_expiry(2000, 2, 30, date(2020, 1, 1))
    with pytest.raises(ValueError):
        card_expiry(2000, 13, None, date(2020, 1, 1))
    with pytest.raises(ValueError):
        card_expiry(2000, None, 5, date(2020, 1, 1))
    with pytest.raises(ValueError):
        card_expiry(2000, 5, 10, date(2000, 5, 9))  # issued before birth


@given(
    st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=90 * 366),
)
def test_expiry_properties(birth: date, age_days: int) -> None:
    issued = birth + timedelta(days=age_days)
    expiry = card_expiry(birth.year, birth.month, birth.day, issued)
    if expiry is None:
        assert issued >= milestone_date(birth.year, birth.month, birth.day, 58)
        return
    assert expiry > issued
    # The card always lasts more than 2 years and expires on a renewal birthday.
    assert expiry >= milestone_date(issued.year, issued.month, min(issued.day, 28), 2)
    ages = {expiry.year - birth.year}
    assert ages <= {14, 25, 40, 60}
    assert expiry == milestone_date(birth.year, birth.month, birth.day, ages.pop())


def test_card_kind_for() -> None:
    assert card_kind_for(date(2021, 1, 1)) == "cccd_2021"
    assert card_kind_for(date(2024, 6, 30)) == "cccd_2021"
    assert card_kind_for(date(2024, 7, 1)) == "can_cuoc_2024"
    assert card_kind_for(date(2025, 8, 1)) == "can_cuoc_2024"
