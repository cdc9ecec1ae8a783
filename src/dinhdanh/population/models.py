"""Registry tables: citizens, households, ID cards and the history of changes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from dinhdanh.platform import clock
from dinhdanh.platform.db import Base, BigId, Timestamped, UTCDateTime, new_uuid

RELATIONS: Final[tuple[str, ...]] = (
    "head",
    "spouse",
    "child",
    "child_in_law",
    "grandchild",
    "parent",
    "parent_in_law",
    "grandparent",
    "sibling",
    "other",
)
SEXES: Final[tuple[str, ...]] = ("M", "F")
STATUSES: Final[tuple[str, ...]] = ("living", "deceased")
BLOOD_TYPES: Final[tuple[str, ...]] = ("A", "B", "AB", "O")

# Folded names compare byte-wise so that a prefix range uses the index on PostgreSQL too.
FoldedName = String(160).with_variant(String(160, collation="C"), "postgresql")


class Household(Timestamped, Base):
    """A household (hộ gia đình) at a commune; `number` is its readable, opaque code."""

    __tablename__ = "households"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("communes.code"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")


class Citizen(Timestamped, Base):
    """A person in the National Population Database.

    The date of birth may be partial (year, or year and month): the missing parts stay
    NULL and are never invented. `religion_code` NULL means no religion ("Không").
    """

    __tablename__ = "citizens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    personal_id: Mapped[str] = mapped_column(String(12), unique=True)
    legacy_id: Mapped[str | None] = mapped_column(String(9))
    family_name: Mapped[str] = mapped_column(String(50), default="")
    middle_name: Mapped[str] = mapped_column(String(50), default="")
    given_name: Mapped[str] = mapped_column(String(50))
    name_folded: Mapped[str] = mapped_column(FoldedName)
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    birth_month: Mapped[int | None] = mapped_column(SmallInteger)
    birth_day: Mapped[int | None] = mapped_column(SmallInteger)
    sex: Mapped[str] = mapped_column(String(1))
    place_of_birth: Mapped[str] = mapped_column(String(200), default="")
    birth_registration_place: Mapped[str] = mapped_column(String(200), default="")
    place_of_origin: Mapped[str] = mapped_column(String(200), default="")
    nationality: Mapped[str] = mapped_column(String(2), default="VN")
    ethnicity_code: Mapped[str] = mapped_column(ForeignKey("ethnicities.code"), default="01")
    religion_code: Mapped[str | None] = mapped_column(ForeignKey("religions.code"))
    blood_type: Mapped[str | None] = mapped_column(String(3))
    occupation: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="living")
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    permanent_commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"))
    permanent_address: Mapped[str] = mapped_column(String(200), default="")
    temporary_commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"))
    temporary_address: Mapped[str] = mapped_column(String(200), default="")
    current_commune_code: Mapped[str | None] = mapped_column(ForeignKey("communes.code"))
    current_address: Mapped[str] = mapped_column(String(200), default="")
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("households.id"))
    relation_to_head: Mapped[str | None] = mapped_column(String(16))
    father_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citizens.id"))
    mother_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citizens.id"))
    spouse_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citizens.id"))
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("citizens.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_citizens_name_birth", "name_folded", "birth_year"),
        Index("ix_citizens_permanent_commune", "permanent_commune_code"),
        Index("ix_citizens_temporary_commune", "temporary_commune_code"),
        Index("ix_citizens_current_commune", "current_commune_code"),
        Index("ix_citizens_household", "household_id"),
        Index("ix_citizens_father", "father_id"),
        Index("ix_citizens_mother", "mother_id"),
        # One head per household, enforced by the database on SQLite and PostgreSQL.
        Index(
            "uq_citizens_household_head",
            "household_id",
            unique=True,
            sqlite_where=relation_to_head == "head",
            postgresql_where=relation_to_head == "head",
        ),
    )


class IdCard(Timestamped, Base):
    """A citizen ID card: the 2021 chip CCCD or the 2024 thẻ căn cước."""

    __tablename__ = "id_cards"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"), index=True)
    number: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    issue_date: Mapped[dt.date] = mapped_column(Date)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)
    # A unit code, not a foreign key: units belong to the staff context, above this one.
    issuing_unit_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10), default="valid")


class CitizenChange(Base):
    """One entry of a citizen's history: what changed, when, and which officer did it."""

    __tablename__ = "citizen_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    citizen_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("citizens.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=lambda: clock.now())
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_unit: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_citizen_changes_citizen_at", "citizen_id", "at"),)


citizens = Citizen.__table__
households = Household.__table__

# The home commune, whose police answer for the person: the permanent residence, else the
# current one, else the temporary one (`population.residents`, the campaign's dashboard).
HOME_COMMUNE: Final = func.coalesce(
    citizens.c.permanent_commune_code,
    citizens.c.current_commune_code,
    citizens.c.temporary_commune_code,
)
# Counting residents by area and birth year: on PostgreSQL the other columns a count needs
# are included, so that the count reads the index alone (an index-only scan).
Index(
    "ix_citizens_home_commune",
    HOME_COMMUNE,
    citizens.c.birth_year,
    postgresql_include=[
        "id",
        "status",
        "permanent_commune_code",
        "current_commune_code",
        "temporary_commune_code",
    ],
)
id_cards = IdCard.__table__
citizen_changes = CitizenChange.__table__
