"""Provinces and communes of today's administrative map (34 provinces since 1 July 2025),
from the `vietnamadminunits` package, read once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from vietnamadminunits.database import query


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune-level unit (xã, phường, đặc khu) and its province."""

    code: str
    name: str
    kind: str
    province_code: str
    province_name: str

    @property
    def police(self) -> str:
        """The registration authority for residence there: its commune police."""
        short = self.name.removeprefix(self.kind).strip()
        return f"Công an {self.kind.lower()} {short}, {self.province_name}"

    @property
    def label(self) -> str:
        """The commune and its province, as an address ends."""
        return f"{self.name}, {self.province_name}"


@lru_cache(maxsize=1)
def _units() -> tuple[dict[str, str], dict[str, Commune]]:
    rows = query(
        "SELECT province, provinceCode, ward, wardType, wardCode "
        "FROM admin_units ORDER BY provinceCode, wardCode"
    )
    provinces: dict[str, str] = {}
    communes: dict[str, Commune] = {}
    for r in rows:
        provinces.setdefault(r["provinceCode"], r["province"])
        communes[r["wardCode"]] = Commune(
            r["wardCode"], r["ward"], r["wardType"], r["provinceCode"], r["province"]
        )
    return provinces, communes


def provinces() -> dict[str, str]:
    """Province code → name, in code order."""
    return _units()[0]


def communes_of(province_code: str) -> list[Commune]:
    """The communes of a province, in code order (none for an unknown code)."""
    return [c for c in _units()[1].values() if c.province_code == province_code]


def commune(code: str) -> Commune | None:
    """A commune by its 5-digit code."""
    return _units()[1].get(code)
