"""Shapes of the registry's JSON API (pydantic v2)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CitizenSummaryOut(_Out):
    """One citizen in a search result."""

    id: uuid.UUID
    personal_id: str
    full_name: str
    birth: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD: partial dates stay partial")
    sex: Literal["M", "F"]
    status: Literal["living", "deceased"]
    permanent_commune_code: str | None
    current_commune_code: str | None


class SearchOut(_Out):
    """Search results; `truncated` when more matched than were returned."""

    items: list[CitizenSummaryOut]
    truncated: bool = False


class PlaceOut(_Out):
    """A residence."""

    commune_code: str
    commune_name: str
    province_name: str
    address: str


class PersonOut(_Out):
    """A relative or household member."""

    id: uuid.UUID
    full_name: str
    birth_display: str
    sex: str
    status: str
    relation: str | None
    visible: bool


class HouseholdOut(_Out):
    """A household with its head and members."""

    id: uuid.UUID
    number: str
    place: PlaceOut | None
    head: PersonOut | None
    members: list[PersonOut]


class CardOut(_Out):
    """An ID card."""

    id: uuid.UUID
    number: str
    kind: str
    issue_date: dt.date
    expiry_date: dt.date | None
    issuing_unit_code: str
    status: str


class ChangeOut(_Out):
    """An entry of the history."""

    at: dt.datetime
    effective_date: dt.date | None
    kind: str
    details: dict[str, Any]
    actor_id: str | None
    actor_unit: str | None


class CitizenRecordOut(_Out):
    """A citizen's full record."""

    id: uuid.UUID
    personal_id: str
    legacy_id: str | None
    family_name: str
    middle_name: str
    given_name: str
    full_name: str
    birth: str
    sex: str
    place_of_birth: str
    birth_registration_place: str
    place_of_origin: str
    nationality: str
    ethnicity_code: str
    ethnicity_name: str
    religion_code: str | None
    religion_name: str | None
    blood_type: str | None
    occupation: str | None
    status: str
    death_date: dt.date | None
    permanent: PlaceOut | None
    temporary: PlaceOut | None
    current: PlaceOut | None
    relation_to_head: str | None
    household: HouseholdOut | None
    version: int
    relatives: list[PersonOut]
    cards: list[CardOut]
    history: list[ChangeOut]


class ResidenceChangeIn(BaseModel):
    """A move of permanent or temporary residence, or the end of a temporary one."""

    kind: Literal["permanent", "temporary", "end_temporary"]
    commune_code: str = Field("", max_length=10, description="5-digit current commune code")
    address: str = Field("", max_length=400)
    date: str = Field(max_length=20, description="effective date, YYYY-MM-DD")
    household_number: str = Field(
        "", max_length=40, description="permanent moves: the household joined"
    )
    relation_to_head: str = Field("", max_length=20)


class DeathIn(BaseModel):
    """A death to record."""

    date: str = Field(max_length=20, description="YYYY-MM-DD")
    place: str = Field("", max_length=400)


class BirthIn(BaseModel):
    """A birth registered into a household."""

    family_name: str = Field("", max_length=100)
    middle_name: str = Field("", max_length=100)
    given_name: str = Field(max_length=100)
    sex: Literal["M", "F"]
    birth_date: str = Field(max_length=20, description="YYYY-MM-DD")
    place_of_birth: str = Field("", max_length=400)
    mother_id: str = Field("", max_length=40)
    father_id: str = Field("", max_length=40)
    relation_to_head: str = Field("", max_length=20)
    ethnicity_code: str = Field("", max_length=4)
    religion_code: str = Field("", max_length=4)
