"""The residents of an area, for counting and following up: the living citizens whose home
commune lies in a commune, a province or the whole country, as a Core selectable that
other contexts join to their own tables and aggregate in SQL (a report never loads the
registry into Python).

The home commune is the one whose police answer for the person, as
`Identity.home_commune_code` says: the permanent residence, else the current one, else
the temporary one; each person is counted once, in one commune. `ix_citizens_home_commune`
indexes exactly that expression (with the birth year, and on PostgreSQL the columns a
count needs, so that it is read without the table); the area's commune codes are written
into the statement as literals (they come from the reference data, never from the
caller's text) so that PostgreSQL plans each area with its own row estimate instead of a
generic plan. Unscoped and unaudited: the caller passes the area it checked and audits
what it shows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, false, select, true
from sqlalchemy.sql import Subquery

from dinhdanh.platform.auth import Scope
from dinhdanh.population.models import HOME_COMMUNE, citizens
from dinhdanh.population.reference import Commune, admin_units, commune_info

_c = citizens.c


def home_commune() -> ColumnElement[Any]:
    """The citizen's home commune code: permanent, else current, else temporary residence
    (the expression `ix_citizens_home_commune` indexes)."""
    return HOME_COMMUNE


def home_address() -> ColumnElement[Any]:
    """The street address of the home residence."""
    return case(
        (_c.permanent_commune_code.is_not(None), _c.permanent_address),
        (_c.current_commune_code.is_not(None), _c.current_address),
        else_=_c.temporary_address,
    )


def area_communes(area: Scope) -> list[str] | None:
    """The commune codes of an area (None: the whole country), from the reference data."""
    if area.level == "all":
        return None
    if area.level == "commune":
        return [area.commune_code] if area.commune_code and commune_info(area.commune_code) else []
    communes = admin_units()[1].values()
    return sorted(c.code for c in communes if c.province_code == area.province_code)


def home_in_area(area: Scope) -> ColumnElement[bool]:
    """A WHERE clause: the citizen's home commune lies in the area."""
    if area.level == "all":
        return true()
    codes = area_communes(area) if area.level in ("commune", "province") else []
    if not codes:
        return false()
    if len(codes) == 1:
        return home_commune() == bindparam("home_commune", codes[0], literal_execute=True)
    return home_commune().in_(
        bindparam("home_communes", codes, expanding=True, literal_execute=True)
    )


def residents(area: Scope, *, born_by: int | None = None) -> Subquery:
    """The living residents of the area (born in `born_by` or before, when given): columns
    citizen_id, personal_id, family_name, middle_name, given_name, name_folded, birth_year,
    birth_month, birth_day, sex, commune_code (the home commune) and address."""
    query = select(
        _c.id.label("citizen_id"),
        _c.personal_id,
        _c.family_name,
        _c.middle_name,
        _c.given_name,
        _c.name_folded,
        _c.birth_year,
        _c.birth_month,
        _c.birth_day,
        _c.sex,
        home_commune().label("commune_code"),
        home_address().label("address"),
    ).where(_c.status == "living", home_in_area(area))
    if born_by is not None:
        query = query.where(_c.birth_year <= born_by)
    return query.subquery("residents")


def commune_provinces() -> Subquery:
    """Each commune's province (commune_code, province_code), to roll counts up by province
    after grouping them by commune."""
    return select(
        Commune.code.label("commune_code"), Commune.province_code.label("province_code")
    ).subquery("commune_provinces")
