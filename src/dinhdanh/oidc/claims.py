"""What a relying party can be given: scopes, the claims each one groups, their labels on
the consent page, and their values read from the registry and the account.

Standard OpenID Connect claims carry the registry data where one fits (name parts,
`birthdate`, `gender`, `address`, `phone_number`, `email`); the rest are namespaced with
the `dinhdanh_` prefix (collision-resistant names, OIDC Core §5.1.2).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts.service import account_of_citizen
from dinhdanh.partners.scopes import SCOPE_CLAIMS, claims_of  # noqa: F401  (the provider's name for it)
from dinhdanh.platform import i18n
from dinhdanh.platform.i18n import N_
from dinhdanh.population.service import CitizenRecord, Place, record_for_release

PREFIX: Final = "dinhdanh_"

# Authentication context class references: the account levels of Decree 69.
ACR_BY_LEVEL: Final[dict[int, str]] = {1: "urn:dinhdanh:loa:1", 2: "urn:dinhdanh:loa:2"}
LEVEL_BY_ACR: Final[dict[str, int]] = {v: k for k, v in ACR_BY_LEVEL.items()}

# Scope → the claims it groups (the partner registry's catalogue).
SCOPES: Final = SCOPE_CLAIMS
# Claims that come with another and are never asked about on their own.
COMPANIONS: Final[dict[str, str]] = {"phone_number_verified": "phone_number"}
ALL_CLAIMS: Final[tuple[str, ...]] = tuple(c for group in SCOPES.values() for c in group)

SCOPE_LABELS: Final[dict[str, str]] = {
    "openid": N_("Sign-in identifier"),
    "profile": N_("Name, date of birth and sex"),
    "address": N_("Address"),
    "phone": N_("Phone number"),
    "email": N_("E-mail address"),
    "identity": N_("Personal ID and ID card"),
    "origin": N_("Nationality, ethnic group, religion, places of birth and origin"),
    "residence": N_("Permanent, temporary and current residence"),
    "household": N_("Household members"),
}
CLAIM_LABELS: Final[dict[str, str]] = {
    "sub": N_("Identifier for this service"),
    "name": N_("Full name"),
    "family_name": N_("Family name"),
    "middle_name": N_("Middle name"),
    "given_name": N_("Given name"),
    "birthdate": N_("Date of birth"),
    "gender": N_("Sex"),
    "address": N_("Address"),
    "phone_number": N_("Phone number"),
    "phone_number_verified": N_("Phone number verified"),
    "email": N_("E-mail address"),
    "dinhdanh_personal_id": N_("Personal ID"),
    "dinhdanh_legacy_id": N_("Old ID number (CMND)"),
    "dinhdanh_card_number": N_("ID card number"),
    "dinhdanh_card_expiry": N_("ID card expiry date"),
    "dinhdanh_nationality": N_("Nationality"),
    "dinhdanh_ethnicity": N_("Ethnic group"),
    "dinhdanh_religion": N_("Religion"),
    "dinhdanh_place_of_birth": N_("Place of birth"),
    "dinhdanh_place_of_origin": N_("Place of origin"),
    "dinhdanh_permanent_residence": N_("Permanent residence"),
    "dinhdanh_temporary_residence": N_("Temporary residence"),
    "dinhdanh_current_residence": N_("Current residence"),
    "dinhdanh_household": N_("Household members"),
}
_GENDERS: Final = {"M": "male", "F": "female"}


def scope_label(scope: str) -> str:
    """A scope's description in the reader's language."""
    return i18n.label(SCOPE_LABELS, scope)


def claim_label(claim: str) -> str:
    """A claim's name in the reader's language."""
    return i18n.label(CLAIM_LABELS, claim)


def with_companions(claims: Iterable[str]) -> set[str]:
    """The claims plus those that come with them (a phone number and its verified flag)."""
    chosen = set(claims)
    return chosen | {c for c, main in COMPANIONS.items() if main in chosen}


def _place(p: Place | None) -> dict[str, str] | None:
    if p is None:
        return None
    parts = [x for x in (p.address, p.commune_name, p.province_name) if x]
    return {
        "formatted": ", ".join(parts),
        "street_address": p.address,
        "commune_code": p.commune_code,
        "commune": p.commune_name,
        "province": p.province_name,
    }


def _address(record: CitizenRecord) -> dict[str, str] | None:
    """The standard address claim: where the person lives now (current residence, else
    permanent), with the commune and province of today's administrative map."""
    p = record.current or record.permanent
    if p is None:
        return None
    place = _place(p) or {}
    return {
        "formatted": place["formatted"],
        "street_address": p.address,
        "locality": p.commune_name,
        "region": p.province_name,
        "country": "VN",
    }


def _household(record: CitizenRecord) -> dict[str, Any] | None:
    h = record.household
    if h is None:
        return None
    return {
        "number": h.number,
        "address": _place(h.place),
        "members": [
            {
                "name": m.full_name,
                "birthdate": "-".join(reversed(m.birth_display.split("/"))),
                "relation_to_head": m.relation,
                "is_you": m.id == record.id,
            }
            for m in h.members
        ],
    }


def _card(record: CitizenRecord) -> tuple[str | None, str | None]:
    valid = [c for c in record.cards if c.status == "valid"]
    card = valid[0] if valid else None
    if card is None:
        return None, None
    return card.number, card.expiry_date.isoformat() if card.expiry_date else None


@dataclass(frozen=True, slots=True)
class ClaimValues:
    """The values of the claims asked for, and the other household members whose data the
    household claim carries (each must find that read in their own activity log)."""

    values: dict[str, Any]
    household_others: list[uuid.UUID]


async def read_claims(
    *, session: AsyncSession, citizen_id: uuid.UUID, claims: Iterable[str]
) -> ClaimValues:
    """The values of the named claims for a citizen, from one read of the record
    (unaudited: the caller audits the release). A claim with no value (no old ID, no
    temporary residence) is left out."""
    wanted = with_companions(claims) - {"sub"}
    if not wanted:
        return ClaimValues({}, [])
    record = await record_for_release(session=session, citizen_id=citizen_id)
    values: dict[str, Any] = {
        "name": record.full_name,
        "family_name": record.family_name,
        "middle_name": record.middle_name,
        "given_name": record.given_name,
        "birthdate": record.birth,
        "gender": _GENDERS.get(record.sex),
        "dinhdanh_personal_id": record.personal_id,
        "dinhdanh_legacy_id": record.legacy_id,
        "dinhdanh_nationality": record.nationality,
        "dinhdanh_ethnicity": record.ethnicity_name,
        "dinhdanh_religion": record.religion_name or "Không",
        "dinhdanh_place_of_birth": record.place_of_birth,
        "dinhdanh_place_of_origin": record.place_of_origin,
    }
    if "address" in wanted:
        values["address"] = _address(record)
    if wanted & {"dinhdanh_card_number", "dinhdanh_card_expiry"}:
        values["dinhdanh_card_number"], values["dinhdanh_card_expiry"] = _card(record)
    values["dinhdanh_permanent_residence"] = _place(record.permanent)
    values["dinhdanh_temporary_residence"] = _place(record.temporary)
    values["dinhdanh_current_residence"] = _place(record.current)
    others: list[uuid.UUID] = []
    if "dinhdanh_household" in wanted and record.household is not None:
        values["dinhdanh_household"] = _household(record)
        others = sorted(m.id for m in record.household.members if m.id != citizen_id)
    if wanted & {"phone_number", "email"}:
        account = await account_of_citizen(session, citizen_id)
        if account is not None:
            # OIDC asks for E.164: the registry keeps the national 0xxxxxxxxx form.
            values["phone_number"] = "+84" + account.phone.removeprefix("0")
            values["phone_number_verified"] = True
            values["email"] = account.email
    kept = {k: v for k, v in values.items() if k in wanted and v not in (None, "")}
    return ClaimValues(kept, others)


async def claim_values(
    *, session: AsyncSession, citizen_id: uuid.UUID, claims: Iterable[str]
) -> dict[str, Any]:
    """The values of the named claims for a citizen (see `read_claims`)."""
    return (await read_claims(session=session, citizen_id=citizen_id, claims=claims)).values
