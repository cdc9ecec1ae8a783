"""Who may see whom: the registry seen through a unit's scope.

A citizen *lives in* a commune when their permanent, temporary **or** current residence
is there: the commune police answer for everyone registered or staying in the commune,
so each of the three addresses brings the person into its unit's view. A province
scope covers every commune of that province; the Ministry ('all') sees everyone. An
out-of-scope citizen is invisible: searches leave them out and look-ups by id answer
"not found", so an officer cannot even learn that the person exists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from dinhdanh.platform.auth import Scope
from dinhdanh.platform.errors import NotFound
from dinhdanh.platform.i18n import N_
from dinhdanh.population.models import citizens
from dinhdanh.population.reference import Commune, commune_info

NOT_IN_UNIT = N_("No citizen with this reference in your unit.")
HOUSEHOLD_NOT_IN_UNIT = N_("No household with this reference in your unit.")


def _residence_columns(table: Any) -> tuple[Any, Any, Any]:
    return (
        table.c.permanent_commune_code,
        table.c.temporary_commune_code,
        table.c.current_commune_code,
    )


def commune_in_scope(scope: Scope, column: Any) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows whose commune `column` lies inside the scope."""
    if scope.level == "all":
        return true()
    if scope.level == "commune" and scope.commune_code:
        return column == scope.commune_code
    if scope.level == "province" and scope.province_code:
        communes = select(Commune.code).where(Commune.province_code == scope.province_code)
        return column.in_(communes.scalar_subquery())
    return false()


def visible(scope: Scope, table: Any = citizens) -> ColumnElement[bool]:
    """A WHERE clause keeping only the citizens (rows of `table`) the scope may see."""
    if scope.level == "all":
        return true()
    return or_(*(commune_in_scope(scope, col) for col in _residence_columns(table)))


def citizen_visible(scope: Scope, citizen_id_column: Any) -> ColumnElement[bool]:
    """A correlated EXISTS: the citizen `citizen_id_column` names is one the scope may see.

    Under an OR, unlike an IN, it probes the primary key of the few rows it meets instead
    of building the whole province's citizen ids for each of them."""
    return exists().where(citizens.c.id == citizen_id_column, visible(scope, citizens))


def covers_commune(scope: Scope, code: str | None) -> bool:
    """True when a commune lies inside the scope."""
    if code is None:
        return False
    info = commune_info(code)
    return scope.covers(code, info.province_code if info else None)


def covers_citizen(scope: Scope, row: Any) -> bool:
    """True when one of the citizen's three residences lies inside the scope."""
    return any(
        covers_commune(scope, code)
        for code in (
            row.permanent_commune_code,
            row.temporary_commune_code,
            row.current_commune_code,
        )
    )


def not_found() -> NotFound:
    """The one answer for a citizen who does not exist or lies outside the unit."""
    return NotFound(NOT_IN_UNIT)
