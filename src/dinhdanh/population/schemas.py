"""Input shapes of the registry's JSON API (pydantic v2).

The API answers with the service's own dataclasses (`service.CitizenRecord`,
`search.SearchResult`, `search.CitizenSummary`), which pydantic validates and documents
directly: one shape for the pages and the API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


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


class HeadChangeIn(BaseModel):
    """A new head of household, chosen among its living members."""

    citizen_id: str = Field(max_length=40, description="the member who becomes the head")
    former_head_relation: str = Field(
        "", max_length=20, description="the former head's new relation (default 'other')"
    )


class CardRevokeIn(BaseModel):
    """A valid card revoked or seized; the holder's e-ID account locks with it."""

    reason: Literal["revoked", "seized"]
    note: str = Field(max_length=500, description="the grounds: decision or seizure record")


class CardRestoreIn(BaseModel):
    """A seized card handed back to its holder."""

    note: str = Field("", max_length=500)
