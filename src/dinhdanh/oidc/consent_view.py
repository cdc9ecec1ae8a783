"""The consent page's rows: each claim a service asks for, with this citizen's value as
the page shows it, and whether the citizen may untick it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.oidc.authorize import AuthorizationRequest
from dinhdanh.oidc.claims import claim_label, claim_values
from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.population.rules import display_iso_birth

_GENDERS: Final = {"male": N_("Male"), "female": N_("Female")}
_DATES: Final = frozenset({"birthdate", "dinhdanh_card_expiry"})


@dataclass(frozen=True)
class ClaimRow:
    """One line of the consent page."""

    name: str
    label: str
    value: str
    required: bool
    missing: bool


def _household(value: dict[str, Any]) -> str:
    members = value.get("members") or []
    names = ", ".join(str(m.get("name", "")) for m in members)
    return gettext(
        N_("Household %(number)s: %(names)s"), number=value.get("number") or "—", names=names
    )


def display_value(claim: str, value: Any) -> str:
    """A claim's value in words for the citizen ('' when the registry has none)."""
    if claim == "sub":
        return gettext(N_("A code that identifies you to this service only"))
    if value is None or value == "":
        return ""
    if claim in _DATES and isinstance(value, str):
        return display_iso_birth(value)
    if claim == "gender":
        return gettext(_GENDERS.get(str(value), str(value)))
    if claim == "dinhdanh_household" and isinstance(value, dict):
        return _household(value)
    if isinstance(value, dict):
        return str(value.get("formatted") or "")
    if isinstance(value, bool):
        return gettext(N_("Yes")) if value else gettext(N_("No"))
    return str(value)


async def claim_rows(
    *, session: AsyncSession, citizen_id: uuid.UUID, request: AuthorizationRequest
) -> list[ClaimRow]:
    """The rows of the consent page for this citizen (their own data, shown to them: no
    release, so nothing is audited)."""
    values = await claim_values(session=session, citizen_id=citizen_id, claims=request.claims)
    required = set(request.required)
    rows = []
    for claim in request.claims:
        shown = display_value(claim, values.get(claim))
        rows.append(
            ClaimRow(
                name=claim,
                label=claim_label(claim),
                value=shown,
                required=claim in required,
                missing=not shown,
            )
        )
    return rows
