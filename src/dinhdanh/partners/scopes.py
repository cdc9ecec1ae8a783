"""The scopes a client may be given and the claims each one groups: the catalogue the
partner registry checks clients against and the OpenID provider offers (the provider adds
the labels and the values, in `oidc/claims.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

# Scope → the claims it groups, in the order the consent page lists them.
SCOPE_CLAIMS: Final[dict[str, tuple[str, ...]]] = {
    "openid": ("sub",),
    "profile": ("name", "family_name", "middle_name", "given_name", "birthdate", "gender"),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
    "email": ("email",),
    "identity": (
        "dinhdanh_personal_id",
        "dinhdanh_legacy_id",
        "dinhdanh_card_number",
        "dinhdanh_card_expiry",
    ),
    "origin": (
        "dinhdanh_nationality",
        "dinhdanh_ethnicity",
        "dinhdanh_religion",
        "dinhdanh_place_of_birth",
        "dinhdanh_place_of_origin",
    ),
    "residence": (
        "dinhdanh_permanent_residence",
        "dinhdanh_temporary_residence",
        "dinhdanh_current_residence",
    ),
    "household": ("dinhdanh_household",),
}


def claims_of(scopes: Iterable[str]) -> list[str]:
    """The claims the scopes group, in catalogue order, without duplicates."""
    wanted = set(scopes)
    return [c for s, group in SCOPE_CLAIMS.items() if s in wanted for c in group]
