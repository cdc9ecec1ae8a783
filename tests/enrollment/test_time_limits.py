"""Working days: Monday to Friday less Vietnam's public holidays; an undecided application
past its due day is flagged in the unit's list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from dinhdanh.enrollment.application_models import CardApplication
from dinhdanh.enrollment.time_limits import add_working_days, is_overdue, is_working_day
from tests.enrollment.office import open_via_api
from tests.factories.population import make_card, make_citizen


def test_weekends_and_holidays_are_not_working_days():
    assert is_working_day(dt.date(2026, 3, 2))  # a Monday
    assert not is_working_day(dt.date(2026, 3, 7))  # a Saturday
    assert not is_working_day(dt.date(2026, 9, 2))  # National Day
    assert not is_working_day(dt.date(2026, 2, 17))  # Tết (first day of the lunar year)


def test_seven_working_days_skip_the_weekend_and_the_start_day():
    assert add_working_days(dt.date(2026, 3, 2), 7) == dt.date(2026, 3, 11)
    assert add_working_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 9)  # Friday → Monday
    assert add_working_days(dt.date(2026, 3, 2), 0) == dt.date(2026, 3, 2)


def test_tet_and_reunification_day_push_the_due_date():
    # Opened on Friday 13 Feb 2026: Tết closes 16–20 Feb, so 7 working days end on 3 March.
    assert add_working_days(dt.date(2026, 2, 13), 7) == dt.date(2026, 3, 3)
    # 30 April and 1 May 2026 (Thursday, Friday) are holidays.
    assert add_working_days(dt.date(2026, 4, 29), 2) == dt.date(2026, 5, 5)


def test_only_an_undecided_application_past_its_day_is_overdue():
    due = dt.date(2026, 3, 11)
    assert not is_overdue(due, due, decided=False)
    assert is_overdue(due, due + dt.timedelta(days=1), decided=False)
    assert not is_overdue(due, due + dt.timedelta(days=30), decided=True)


async def test_an_overdue_application_is_flagged_in_the_list(db, officers):
    async with db.unit_of_work() as session:
        late, fresh = await make_citizen(session, given="Muộn"), await make_citizen(session)
        for person in (late, fresh):
            await make_card(session, person)
    clerk = await officers()
    overdue = (await open_via_api(clerk, late.id)).json()
    await open_via_api(clerk, fresh.id, phone="0911000333")
    async with db.unit_of_work() as session:
        await session.execute(
            update(CardApplication)
            .where(CardApplication.citizen_id == late.id)
            .values(due_on=dt.date(2020, 1, 2))
        )
    page = await clerk.get("/officer/applications")
    assert page.text.count("overdue-flag") == 1
    row = page.text[page.text.index(overdue["reference"]) :].split("</tr>")[0]
    assert "Overdue" in row
    listed = (await clerk.get("/api/v1/applications")).json()
    assert [a["overdue"] for a in listed] == [True, False]  # soonest due first
