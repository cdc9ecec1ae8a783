"""From the claims dinhdanh released to the form's fields: which fields it fills, with what
value as the form shows it, and which of them the citizen may not change."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

# Identity data verified by the e-ID: shown read-only and taken from the sign-in, never from
# the posted form. Contact data (phone, e-mail) is filled in but stays editable.
LOCKED: Final = frozenset({"full_name", "birth_date", "sex", "personal_id", "permanent_residence"})
_GENDERS: Final = {"male": "male", "female": "female"}
_ISO_BIRTH = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def birth_display(iso: str) -> str | None:
    """A (possibly partial) OIDC birthdate as the form shows it: `1990-05-17` → `17/05/1990`,
    `1990-05` → `05/1990`, `1990` → `1990` (the registry keeps partial dates: never invent
    a day). None for anything else (`0000`, the OIDC "year withheld" form, included)."""
    m = _ISO_BIRTH.match(iso or "")
    if not m or m.group(1) == "0000":
        return None
    return "/".join(p for p in reversed(m.groups()) if p)


def national_phone(e164: str) -> str:
    """`+84912345678` → `0912345678`; other forms are returned unchanged."""
    digits = e164.replace(" ", "")
    return "0" + digits[3:] if digits.startswith("+84") else digits


def _place_text(value: Any) -> str | None:
    if isinstance(value, Mapping):
        text = value.get("formatted") or ", ".join(
            str(value[k]) for k in ("street_address", "commune", "province") if value.get(k)
        )
        return text or None
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class Prefill:
    """The form's fields filled from the sign-in, plus what the rules need besides."""

    values: dict[str, str] = field(default_factory=dict)
    # The permanent residence's commune code: a temporary residence must be elsewhere.
    permanent_commune: str | None = None
    # A temporary residence already registered (a new registration replaces it).
    temporary_residence: str | None = None

    @property
    def fields(self) -> frozenset[str]:
        """Names of the fields filled from the sign-in."""
        return frozenset(self.values)

    def locked(self, name: str) -> bool:
        """Whether the field is verified identity data the citizen cannot change."""
        return name in LOCKED and name in self.values


def from_claims(claims: Mapping[str, Any]) -> Prefill:
    """Map released claims (ID token or userinfo) to the form; a claim that is missing or
    unusable fills nothing."""
    values: dict[str, str] = {}
    if isinstance(claims.get("name"), str) and claims["name"].strip():
        values["full_name"] = claims["name"].strip()
    birth = birth_display(str(claims.get("birthdate") or ""))
    if birth:
        values["birth_date"] = birth
    if claims.get("gender") in _GENDERS:
        values["sex"] = _GENDERS[claims["gender"]]
    pid = claims.get("dinhdanh_personal_id")
    if isinstance(pid, str) and re.fullmatch(r"\d{12}", pid):
        values["personal_id"] = pid
    permanent = claims.get("dinhdanh_permanent_residence")
    text = _place_text(permanent)
    if text:
        values["permanent_residence"] = text
    if isinstance(claims.get("phone_number"), str) and claims["phone_number"]:
        values["phone"] = national_phone(claims["phone_number"])
    if isinstance(claims.get("email"), str) and claims["email"]:
        values["email"] = claims["email"]
    commune = permanent.get("commune_code") if isinstance(permanent, Mapping) else None
    return Prefill(
        values=values,
        permanent_commune=commune if isinstance(commune, str) else None,
        temporary_residence=_place_text(claims.get("dinhdanh_temporary_residence")),
    )
