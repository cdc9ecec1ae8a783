"""The demo population: plausible Vietnamese families in households over real communes.

Deterministic: the same `seed` gives the same people (one `random.Random(seed)`, ages
counted from the fixed `REFERENCE_DATE`, never the wall clock). About 40% of households
live in the demo commune (`DEMO_COMMUNE`, where the demo officer works), the rest in
random real communes. Rows are written with bulk Core inserts in batches.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.population import card_rules, names, personal_id
from dinhdanh.population.csv_rows import csv_row
from dinhdanh.population.demo_names import NameGenerator
from dinhdanh.population.models import citizens as citizen_table
from dinhdanh.population.models import households, id_cards
from dinhdanh.population.reference import admin_units, legacy_province_names

DEMO_COMMUNE: Final = "00004"  # Phường Ba Đình, Hà Nội
DEMO_SHARE: Final = 0.4
REFERENCE_DATE: Final = dt.date(2025, 11, 1)
CARD_ISSUER: Final = "C06"  # the Ministry department that issues cards
BATCH: Final = 2000
_STAMP: Final = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
_HOUSEHOLD_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Roughly the 2019 census shares (%), the rest spread over the other groups.
_ETHNICITIES: Final = (
    ("01", 85.3), ("02", 1.9), ("03", 1.9), ("06", 1.5), ("08", 1.5), ("05", 1.4),
    ("07", 1.1), ("09", 0.9), ("04", 0.8), ("10", 0.5), ("12", 0.4), ("13", 0.3),
    ("17", 0.2), ("18", 0.2), ("14", 0.2),
)  # fmt: skip
_RELIGIONS: Final = (
    (None, 85.0), ("02", 6.1), ("01", 4.8), ("03", 1.4), ("08", 1.0), ("05", 0.6),
)  # fmt: skip
_BLOOD: Final = (("O", 42), ("B", 31), ("A", 21), ("AB", 6))
_OCCUPATIONS: Final = (
    "Nông dân", "Công nhân", "Giáo viên", "Kinh doanh", "Nhân viên văn phòng", "Kỹ sư",
    "Bác sĩ", "Điều dưỡng", "Lái xe", "Thợ may", "Buôn bán", "Công chức", "Lao động tự do",
)  # fmt: skip
_STREETS: Final = (
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
    "Hùng Vương", "Phan Đình Phùng", "Điện Biên Phủ", "Nguyễn Du", "Hoàng Diệu", "Đội Cấn",
    "Kim Mã", "Giảng Võ", "Láng Hạ", "Lê Duẩn", "Nguyễn Văn Cừ", "Bà Triệu", "Đinh Tiên Hoàng",
)  # fmt: skip


@dataclass
class DemoResult:
    """What the generator wrote."""

    citizens: int = 0
    households: int = 0
    cards: int = 0
    in_demo_commune: int = 0


@dataclass
class Family:
    """One household's rows, ready for insertion."""

    household: dict[str, Any]
    people: list[dict[str, Any]] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)


class _Builder:
    """Draws families from one Random; keeps the personal IDs unique."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names = NameGenerator(self.rng)
        _provinces, communes = admin_units()
        self.communes = sorted(communes.values(), key=lambda c: c.code)
        self.demo = communes[DEMO_COMMUNE]
        self.origins = sorted(legacy_province_names().values())
        self.used_ids: set[str] = set()
        self.ethnic = ([c for c, _ in _ETHNICITIES], [w for _, w in _ETHNICITIES])
        self.religion = ([c for c, _ in _RELIGIONS], [w for _, w in _RELIGIONS])

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def household_number(self) -> str:
        return "HK" + "".join(self.rng.choice(_HOUSEHOLD_ALPHABET) for _ in range(10))

    def birth(self, age_min: int, age_max: int) -> tuple[int, int | None, int | None]:
        days = self.rng.randint(age_min * 365, age_max * 365 + 364)
        born = REFERENCE_DATE - dt.timedelta(days=days)
        if born.year < 1960 and self.rng.random() < 0.08:
            return born.year, None, None  # old records that know only the year
        if self.rng.random() < 0.01:
            return born.year, born.month, None
        return born.year, born.month, born.day

    def pid(self, province_code: str, sex: str, year: int) -> str:
        prefix = self.rng.choice(personal_id.legacy_codes_for(province_code))
        while True:
            pid = personal_id.generate(prefix, sex, year, self.rng)
            if pid not in self.used_ids:
                self.used_ids.add(pid)
                return pid

    def person(
        self,
        family: Family,
        *,
        sex: str,
        age: tuple[int, int],
        relation: str,
        surname: str | None = None,
        father: dict[str, Any] | None = None,
        mother: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        home = family.household
        fam, mid, giv = self.names.person(sex, family=surname)
        parents = [p for p in (father, mother) if p is not None]
        if parents:  # a child is born when the younger parent is at least 18
            oldest = REFERENCE_DATE.year - max(p["birth_year"] for p in parents) - 19
            age = (min(age[0], max(oldest, 0)), max(min(age[1], oldest), 0))
        year, month, day = self.birth(*age)
        origin = (father or mother or {}).get("place_of_origin") or self.rng.choice(self.origins)
        person = {
            "id": self.uuid(),
            "personal_id": self.pid(home["_province"], sex, year),
            "legacy_id": None,
            "family_name": fam,
            "middle_name": mid,
            "given_name": giv,
            "name_folded": names.fold(names.full_name(fam, mid, giv)),
            "birth_year": year,
            "birth_month": month,
            "birth_day": day,
            "sex": sex,
            "place_of_birth": home["_province_name"],
            "birth_registration_place": home["_province_name"],
            "place_of_origin": origin,
            "nationality": "VN",
            "ethnicity_code": home["_ethnicity"],
            "religion_code": home["_religion"],
            "blood_type": self.rng.choices(*zip(*_BLOOD, strict=True))[0],
            "occupation": self.rng.choice(_OCCUPATIONS)
            if REFERENCE_DATE.year - year >= 18
            else None,
            "status": "living",
            "death_date": None,
            "permanent_commune_code": home["commune_code"],
            "permanent_address": home["address"],
            "temporary_commune_code": None,
            "temporary_address": "",
            "current_commune_code": home["commune_code"],
            "current_address": home["address"],
            "household_id": home["id"],
            "relation_to_head": relation,
            "father_id": father["id"] if father else None,
            "mother_id": mother["id"] if mother else None,
            "spouse_id": None,
            "guardian_id": None,
            "version": 1,
        }
        if 18 <= REFERENCE_DATE.year - year <= 45 and self.rng.random() < 0.05:
            stay = self.rng.choice(self.communes)
            address = self._address()
            person |= {"temporary_commune_code": stay.code, "temporary_address": address}
            person |= {"current_commune_code": stay.code, "current_address": address}
        family.people.append(person)
        self._card(family, person)
        return person

    def _card(self, family: Family, person: dict[str, Any]) -> None:
        year, month, day = person["birth_year"], person["birth_month"], person["birth_day"]
        fourteen = card_rules.milestone_date(year, month, day, 14)
        if fourteen > REFERENCE_DATE or self.rng.random() > 0.9:
            return
        start = max(fourteen, dt.date(2021, 1, 1))
        issued = start + dt.timedelta(days=self.rng.randint(0, (REFERENCE_DATE - start).days))
        expiry = card_rules.card_expiry(year, month, day, issued)
        family.cards.append(
            {
                "id": self.uuid(),
                "citizen_id": person["id"],
                "number": person["personal_id"],
                "kind": card_rules.card_kind_for(issued),
                "issue_date": issued,
                "expiry_date": expiry,
                "issuing_unit_code": CARD_ISSUER,
                # Expiry is a date, not a stored state: the record shows it (service.card_status).
                "status": "valid",
            }
        )

    def _address(self) -> str:
        return f"Số {self.rng.randint(1, 250)} {self.rng.choice(_STREETS)}"

    def household(self) -> Family:
        commune = self.demo if self.rng.random() < DEMO_SHARE else self.rng.choice(self.communes)
        return Family(
            {
                "id": self.uuid(),
                "number": self.household_number(),
                "commune_code": commune.code,
                "address": self._address(),
                "_province": commune.province_code,
                "_province_name": commune.province_name,
                "_ethnicity": self.rng.choices(*self.ethnic)[0],
                "_religion": self.rng.choices(*self.religion)[0],
            }
        )

    def family(self) -> Family:
        family = self.household()
        shape = self.rng.random()
        if shape < 0.10:  # one person living alone
            self.person(family, sex=self.rng.choice("MF"), age=(20, 90), relation="head")
            return family
        three_generations = shape > 0.72
        grandpa = grandma = None
        if three_generations:
            grandpa = self.person(family, sex="M", age=(62, 95), relation="head")
            grandma = self.person(family, sex="F", age=(58, 90), relation="spouse", surname=None)
            _marry(grandpa, grandma)
        head_relation = "child" if three_generations else "head"
        husband = self.person(
            family,
            sex="M",
            age=(25, 60),
            relation=head_relation,
            surname=grandpa["family_name"] if grandpa else None,
            father=grandpa,
            mother=grandma,
        )
        single_parent = 0.10 <= shape < 0.15
        wife = None
        if not single_parent:
            wife_relation = "child_in_law" if three_generations else "spouse"
            wife = self.person(family, sex="F", age=(22, 58), relation=wife_relation)
            _marry(husband, wife)
        child_relation = "grandchild" if three_generations else "child"
        for _ in range(0 if 0.15 <= shape < 0.30 else self.rng.choice((1, 1, 2, 2, 2, 3, 4))):
            self.person(
                family,
                sex=self.rng.choice("MF"),
                age=(0, 30),
                relation=child_relation,
                surname=husband["family_name"],
                father=husband,
                mother=wife,
            )
        return family


def _marry(a: dict[str, Any], b: dict[str, Any]) -> None:
    a["spouse_id"], b["spouse_id"] = b["id"], a["id"]


def families(*, citizens: int, seed: int) -> Iterator[Family]:
    """Yield families until `citizens` people exist (the last family may be trimmed)."""
    builder = _Builder(seed)
    left = citizens
    while left > 0:
        family = builder.family()
        if len(family.people) > left:
            _trim(family, left)
        left -= len(family.people)
        yield family


def _trim(family: Family, keep: int) -> None:
    kept = family.people[:keep]
    ids = {p["id"] for p in kept}
    for p in kept:
        for link in ("father_id", "mother_id", "spouse_id"):
            if p[link] not in ids:
                p[link] = None
    family.people = kept
    family.cards = [c for c in family.cards if c["citizen_id"] in ids]


def generate_rows(*, citizens: int, seed: int) -> Iterator[dict[str, Any]]:
    """Yield demo citizens as CSV rows (the `population import` columns), e.g. for benchmarks."""
    for family in families(citizens=citizens, seed=seed):
        by_id = {p["id"]: p["personal_id"] for p in family.people}
        for p in family.people:
            links = {f"{k}_pid": by_id.get(p[f"{k}_id"]) for k in ("father", "mother", "spouse")}
            yield csv_row({**p, **links}, family.household["number"])


async def generate(
    session: AsyncSession,
    *,
    citizens: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Write a demo population of `citizens` people; `progress` gets the count written so far."""
    if await session.scalar(select(func.count()).select_from(citizen_table)):
        raise ValueError("the registry already holds citizens; the demo fills an empty one")
    result = DemoResult()
    conn = await session.connection()
    batch: list[Family] = []
    for family in families(citizens=citizens, seed=seed):
        batch.append(family)
        if sum(len(f.people) for f in batch) >= BATCH:
            await _write(conn, batch, result, progress)
            batch = []
    if batch:
        await _write(conn, batch, result, progress)
    return result


async def _write(
    conn: Any, batch: list[Family], result: DemoResult, progress: Callable[[int], None] | None
) -> None:
    homes = [{k: v for k, v in f.household.items() if not k.startswith("_")} for f in batch]
    people = [p for f in batch for p in f.people]
    cards = [c for f in batch for c in f.cards]
    now = {"created_at": _STAMP, "updated_at": _STAMP}
    await conn.execute(insert(households), [h | now for h in homes])
    # Parents come before their children, but spouses point at each other: link them after.
    await conn.execute(insert(citizen_table), [p | now | {"spouse_id": None} for p in people])
    spouses = [{"pid": p["id"], "sid": p["spouse_id"]} for p in people if p["spouse_id"]]
    if spouses:
        await conn.execute(
            update(citizen_table)
            .where(citizen_table.c.id == bindparam("pid"))
            .values(spouse_id=bindparam("sid")),
            spouses,
        )
    if cards:
        await conn.execute(insert(id_cards), [c | now for c in cards])
    result.households += len(homes)
    result.citizens += len(people)
    result.cards += len(cards)
    result.in_demo_commune += sum(1 for p in people if p["permanent_commune_code"] == DEMO_COMMUNE)
    if progress:
        progress(result.citizens)
