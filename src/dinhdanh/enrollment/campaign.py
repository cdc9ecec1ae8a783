"""The campaign to reach every resident: a unit's dashboard of who has an e-ID account.

A commune police sees its commune; a provincial police or card office its province, with
a line per commune; the Ministry the country, with a line per province. A resident is a
living citizen whose home commune (`population.residents`) lies in the area, so each
person is counted once. Ages are counted by birth year (the age reached this year): the
registry knows only the year of some older people, and a band boundary that moves on
1 January, not every day, keeps the figures of one year comparable.

Everything is counted in SQL with one GROUP BY per figure (residents by age band joined
to the account holders; applications by state joined to the units), so the time does
not grow with what Python holds: see `bench/enrollment.py` for the figures at 1,000,000
citizens. The list of adults without an account and the follow-ups are in
`campaign_residents.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, case, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.holders import account_holders
from dinhdanh.enrollment.application_models import ACTIVE, STATUSES, CardApplication
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.errors import Forbidden, NotFound
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.population.reference import admin_units, commune_info
from dinhdanh.population.residents import commune_provinces, residents
from dinhdanh.population.scope import covers_commune
from dinhdanh.staff.units import unit_places

# (key, youngest, oldest): the age bands of the dashboard, oldest None for "and over".
BANDS: Final[tuple[tuple[str, int, int | None], ...]] = (
    ("0-5", 0, 5),
    ("6-13", 6, 13),
    ("14-17", 14, 17),
    ("18-24", 18, 24),
    ("25-39", 25, 39),
    ("40-59", 40, 59),
    ("60+", 60, None),
)
ADULT_AGE: Final = 18
ADULT_BANDS: Final = tuple(key for key, low, _ in BANDS if low >= ADULT_AGE)
NOT_IN_UNIT: Final = N_("No such area in your unit.")


def band_label(key: str) -> str:
    """An age band as shown: 0–5, 60+."""
    return key.replace("-", "–")


# ---------------------------------------------------------------- areas


@dataclass(frozen=True)
class Area:
    """The part of the country a dashboard or list covers, as a registry scope."""

    scope: Scope
    name: str
    # The wider area a link leads back to, when the caller may see it: (query, name).
    parent: tuple[str, str] | None = None

    @property
    def title(self) -> str:
        """The area's name in the current language."""
        return gettext(self.name)

    @property
    def level(self) -> str:
        """'all', 'province' or 'commune'."""
        return self.scope.level

    @property
    def query(self) -> str:
        """The query string naming this area (empty for the caller's whole country)."""
        if self.level == "commune":
            return f"commune={self.scope.commune_code}"
        if self.level == "province":
            return f"province={self.scope.province_code}"
        return ""


def province_names() -> dict[str, str]:
    """Province code → name (reference data in memory)."""
    return {p["code"]: p["name"] for p in admin_units()[0]}


def _area(scope: Scope, caller: Scope) -> Area:
    if scope.level == "commune":
        info = commune_info(scope.commune_code or "")
        assert info is not None
        parent = (
            (f"province={info.province_code}", info.province_name)
            if caller.level in ("all", "province")
            else None
        )
        return Area(Scope("commune", info.province_code, info.code), info.name, parent)
    if scope.level == "province":
        name = province_names().get(scope.province_code or "", scope.province_code or "")
        parent = ("", N_("Whole country")) if caller.level == "all" else None
        return Area(scope, name, parent)
    return Area(Scope.everything(), N_("Whole country"))


def area_for(principal: Principal, *, province: str = "", commune: str = "") -> Area:
    """The area a caller asked for (a commune, a province, or by default their own unit's),
    or NotFound when it is unknown or outside their scope."""
    mine = principal.scope
    if mine.level == "none":
        raise Forbidden()
    commune, province = (commune or "").strip(), (province or "").strip()
    if commune:
        info = commune_info(commune)
        if info is None or not covers_commune(mine, commune):
            raise NotFound(NOT_IN_UNIT, type="area-not-found")
        return _area(Scope("commune", info.province_code, commune), mine)
    if province:
        if province not in province_names() or not (
            mine.level == "all" or (mine.level == "province" and mine.province_code == province)
        ):
            raise NotFound(NOT_IN_UNIT, type="area-not-found")
        return _area(Scope("province", province), mine)
    return _area(mine, mine)


# ---------------------------------------------------------------- counting


def age_band(birth_year: Any, year: int) -> ColumnElement[str]:
    """The age band of a birth year in `year`, in SQL: a CASE on the birth year alone (no
    date arithmetic per row; the registry's birth_year column). The bounds are integer
    literals, so the same expression can be grouped on (bound parameters in a GROUP BY
    would differ from the SELECT's on PostgreSQL)."""
    whens = []
    for key, low, _ in reversed(BANDS):
        # born in `year - low` or before: at least `low` this year.
        whens.append((birth_year <= literal_column(str(int(year - low))), key))
    return case(*whens[:-1], else_=whens[-1][1])


@dataclass
class Counts:
    """Residents of an area (or an age band) and their accounts."""

    residents: int = 0
    with_account: int = 0
    level1: int = 0
    level2: int = 0
    adults: int = 0
    adults_without: int = 0

    @property
    def without_account(self) -> int:
        """Residents with no account at all."""
        return self.residents - self.with_account

    @property
    def coverage(self) -> float:
        """Share of residents with an account, 0–1."""
        return self.with_account / self.residents if self.residents else 0.0

    def add(self, band: str, residents: int, with_account: int, level1: int, level2: int) -> None:
        """Count one group of the query's result."""
        self.residents += residents
        self.with_account += with_account
        self.level1 += level1
        self.level2 += level2
        if band in ADULT_BANDS:
            self.adults += residents
            self.adults_without += residents - with_account


@dataclass
class Applications:
    """Card applications of an area's units: how many in each state, and how many overdue."""

    by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    overdue_by_status: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIVE, 0))

    @property
    def in_progress(self) -> int:
        """Undecided applications."""
        return sum(self.by_status[s] for s in ACTIVE)

    @property
    def overdue(self) -> int:
        """Undecided applications past their legal time limit."""
        return sum(self.overdue_by_status.values())

    def add(self, status: str, count: int, overdue: int) -> None:
        """Count one group of the query's result."""
        self.by_status[status] = self.by_status.get(status, 0) + count
        if overdue:
            self.overdue_by_status[status] = self.overdue_by_status.get(status, 0) + overdue


@dataclass
class AreaLine:
    """One line of the breakdown: a commune of the province, or a province of the country."""

    code: str
    name: str
    query: str
    counts: Counts = field(default_factory=Counts)
    applications: Applications = field(default_factory=Applications)


@dataclass
class Dashboard:
    """What a unit's dashboard shows."""

    area: Area
    year: int
    bands: dict[str, Counts]
    totals: Counts
    applications: Applications
    # Communes of a province, provinces of the country; none for a commune.
    lines: list[AreaLine]
    # Applications of units with no commune (card office, provincial police) in a province.
    other_units: Applications | None = None


def _group_column(area: Area, table: Any) -> Any:
    """What a count is broken down by: communes for a province, provinces for the country."""
    if area.level == "province":
        return table.c.commune_code
    if area.level == "all":
        return table.c.province_code
    return None


async def for_reports(session: AsyncSession) -> None:
    """PostgreSQL settings for this transaction's reports (the dashboard, the list): no JIT
    (compiling the country's count took 0.2 s, more than it saved) and enough memory for
    the join with the accounts to be hashed in one batch (at 4 MB it spilled to disk)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)")
        )


async def _resident_counts(
    session: AsyncSession, area: Area, year: int
) -> list[tuple[str | None, str, int, int, int, int]]:
    """(commune or province, band, residents, with account, level 1, level 2) per group:
    by band for a commune, by commune and band for a province, by province and band for
    the country. One GROUP BY over the index of home communes and birth years, left-joined
    to the account holders; the country's groups are then rolled up by province in SQL
    (23,000 commune groups become 238 rows before they leave the database)."""
    people = residents(area.scope)
    holders = account_holders()
    band = age_band(people.c.birth_year, year).label("band")
    keys = [band] if area.level == "commune" else [people.c.commune_code, band]
    query = (
        select(
            *keys,
            func.count().label("people"),
            func.count(holders.c.citizen_id).label("holders"),
            func.sum(case((holders.c.level == 1, 1), else_=0)).label("level1"),
            func.sum(case((holders.c.level == 2, 1), else_=0)).label("level2"),
        )
        .select_from(people.outerjoin(holders, holders.c.citizen_id == people.c.citizen_id))
        .group_by(*keys)
    )
    if area.level == "all":
        groups = query.subquery("groups")
        provinces = commune_provinces()
        sums = [func.sum(groups.c[k]) for k in ("people", "holders", "level1", "level2")]
        query = (
            select(provinces.c.province_code, groups.c.band, *sums)
            .join(provinces, provinces.c.commune_code == groups.c.commune_code)
            .group_by(provinces.c.province_code, groups.c.band)
        )
    rows = (await session.execute(query)).all()
    if area.level == "commune":
        return [(None, r[0], int(r[1]), int(r[2]), int(r[3] or 0), int(r[4] or 0)) for r in rows]
    return [(r[0], r[1], int(r[2]), int(r[3]), int(r[4] or 0), int(r[5] or 0)) for r in rows]


async def _application_counts(
    session: AsyncSession, area: Area
) -> list[tuple[str | None, str, int, int]]:
    """(sub-area, state, applications, overdue) for each group of the area's units."""
    units = unit_places(area.scope)
    overdue = and_(CardApplication.status.in_(ACTIVE), CardApplication.due_on < clock.today())
    by = _group_column(area, units)
    keys = [by, CardApplication.status] if by is not None else [CardApplication.status]
    query = (
        select(*keys, func.count(), func.sum(case((overdue, 1), else_=0)))
        .join(units, units.c.code == CardApplication.unit_code)
        .group_by(*keys)
    )
    rows = (await session.execute(query)).all()
    if by is None:
        return [(None, r[0], int(r[1]), int(r[2] or 0)) for r in rows]
    return [(r[0], r[1], int(r[2]), int(r[3] or 0)) for r in rows]


def _lines(area: Area) -> dict[str, AreaLine]:
    """Every commune of the province, or every province, with nothing counted yet."""
    if area.level == "province":
        communes = sorted(
            (c for c in admin_units()[1].values() if c.province_code == area.scope.province_code),
            key=lambda c: c.code,
        )
        return {c.code: AreaLine(c.code, c.name, f"commune={c.code}") for c in communes}
    if area.level == "all":
        return {
            code: AreaLine(code, name, f"province={code}")
            for code, name in sorted(province_names().items())
        }
    return {}


async def dashboard(*, session: AsyncSession, area: Area) -> Dashboard:
    """The area's residents by age band with and without an account, level 1 and 2, and its
    units' applications by state and overdue; with a line per commune or province. The
    area comes from `area_for` (the caller's scope checked). Counts only, no person's
    data: nothing to audit."""
    year = clock.today().year
    bands = {key: Counts() for key, _, _ in BANDS}
    totals, applications = Counts(), Applications()
    lines = _lines(area)
    await for_reports(session)
    for place, band, people, holders, level1, level2 in await _resident_counts(session, area, year):
        bands[band].add(band, people, holders, level1, level2)
        totals.add(band, people, holders, level1, level2)
        if place in lines:
            lines[place].counts.add(band, people, holders, level1, level2)
    other = Applications() if area.level == "province" else None
    for sub, status, count, overdue in await _application_counts(session, area):
        applications.add(status, count, overdue)
        target = lines[sub].applications if sub in lines else other
        if target is not None:
            target.add(status, count, overdue)
    return Dashboard(area, year, bands, totals, applications, list(lines.values()), other)
