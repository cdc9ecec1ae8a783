"""The 12-digit personal ID (số định danh cá nhân): decode, validate, generate, mask.

Format ``PPP C YY NNNNNN`` (no check digit):

* ``PPP`` - code of the province where the birth was registered (Circular 07/2016, the
  63 provinces before 1 July 2025). Numbers already issued never change, so all 63 codes
  stay valid. Since 1 July 2025 there are 34 provinces, each keeping one predecessor's
  2-digit code; the prefix of numbers issued after that is *unconfirmed* ("0" + new code
  is plausible). Every such prefix is already one of the 63 legacy codes, so the
  validator accepts it either way.
* ``C`` - century and sex: 1900s male 0 / female 1, 2000s 2/3, 2100s 4/5, 2200s 6/7,
  2300s 8/9.
* ``YY`` - the last two digits of the birth year.
* ``NNNNNN`` - random serial.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Final, Literal

__all__ = [
    "LEGACY_PROVINCE_CODES",
    "REASONS",
    "InvalidPersonalId",
    "LegacyProvince",
    "PersonalIdInfo",
    "Reason",
    "Sex",
    "century_sex_digit",
    "decode",
    "generate",
    "legacy_codes_for",
    "legacy_provinces",
    "mask",
    "validate",
]

Sex = Literal["M", "F"]
Reason = Literal["format", "province", "sex_mismatch", "year_mismatch"]
REASONS: Final[frozenset[str]] = frozenset({"format", "province", "sex_mismatch", "year_mismatch"})

_ASCII_DIGITS: Final = frozenset("0123456789")
_MIN_YEAR: Final = 1900
_MAX_YEAR: Final = 2399


@dataclass(frozen=True, slots=True)
class LegacyProvince:
    """One of the 63 pre-July-2025 provinces and the current province it merged into."""

    code: str
    name: str
    new_code: str


@lru_cache(maxsize=1)
def legacy_provinces() -> dict[str, LegacyProvince]:
    """Return the 63 legacy provinces keyed by 3-digit code (read once from the CSV)."""
    text = resources.files("dinhdanh.data").joinpath("legacy_provinces.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return {
        row["code"]: LegacyProvince(code=row["code"], name=row["name"], new_code=row["new_code"])
        for row in rows
    }


LEGACY_PROVINCE_CODES: Final[frozenset[str]] = frozenset(legacy_provinces())


class InvalidPersonalId(ValueError):
    """A personal ID was refused; ``reason`` is a stable machine-readable code."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason
        self.message: str = message


@dataclass(frozen=True, slots=True)
class PersonalIdInfo:
    """What a personal ID encodes."""

    province_code: str
    sex: Sex
    birth_year: int
    serial: str


def _check_sex(sex: str) -> Sex:
    if sex == "M":
        return "M"
    if sex == "F":
        return "F"
    raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")


def century_sex_digit(birth_year: int, sex: str) -> str:
    """Return the century/sex digit ``C`` for a birth year (1900-2399) and sex ('M'/'F')."""
    checked = _check_sex(sex)
    if isinstance(birth_year, bool) or not isinstance(birth_year, int):
        raise TypeError("birth_year must be an int")
    if not _MIN_YEAR <= birth_year <= _MAX_YEAR:
        raise ValueError(f"birth year {birth_year} is outside {_MIN_YEAR}-{_MAX_YEAR}")
    century_index = (birth_year - _MIN_YEAR) // 100
    return str(century_index * 2 + (1 if checked == "F" else 0))


def _is_twelve_ascii_digits(pid: object) -> bool:
    return isinstance(pid, str) and len(pid) == 12 and all(ch in _ASCII_DIGITS for ch in pid)


def decode(pid: str) -> PersonalIdInfo:
    """Decode a personal ID, raising InvalidPersonalId ("format" or "province")."""
    if not _is_twelve_ascii_digits(pid):
        raise InvalidPersonalId("format", "personal ID must be exactly 12 ASCII digits")
    province_code = pid[:3]
    if province_code not in LEGACY_PROVINCE_CODES:
        raise InvalidPersonalId("province", f"unknown province code {province_code}")
    digit = int(pid[3])
    sex: Sex = "F" if digit % 2 else "M"
    birth_year = _MIN_YEAR + (digit // 2) * 100 + int(pid[4:6])
    return PersonalIdInfo(
        province_code=province_code, sex=sex, birth_year=birth_year, serial=pid[6:]
    )


def validate(pid: str, *, sex: str | None = None, birth_year: int | None = None) -> PersonalIdInfo:
    """Decode a personal ID and check it against a known sex and/or birth year."""
    info = decode(pid)
    if sex is not None and _check_sex(sex) != info.sex:
        raise InvalidPersonalId(
            "sex_mismatch", f"personal ID encodes sex {info.sex}, record says {sex}"
        )
    if birth_year is not None and birth_year != info.birth_year:
        raise InvalidPersonalId(
            "year_mismatch",
            f"personal ID encodes birth year {info.birth_year}, record says {birth_year}",
        )
    return info


def generate(province_code: str, sex: str, birth_year: int, rng: random.Random) -> str:
    """Generate a well-formed personal ID with a random serial drawn from ``rng``."""
    if province_code not in LEGACY_PROVINCE_CODES:
        raise ValueError(f"unknown province code {province_code!r}")
    digit = century_sex_digit(birth_year, sex)
    serial = rng.randrange(1_000_000)
    return f"{province_code}{digit}{birth_year % 100:02d}{serial:06d}"


def mask(pid: str) -> str:
    """Mask a personal ID for display: first 3 digits, six asterisks, last 3 digits."""
    if not _is_twelve_ascii_digits(pid):
        raise InvalidPersonalId("format", "personal ID must be exactly 12 ASCII digits")
    return f"{pid[:3]}******{pid[-3:]}"


@lru_cache(maxsize=64)
def legacy_codes_for(province_code: str) -> tuple[str, ...]:
    """The legacy 3-digit codes merged into a current province, its own code ("0" + code) first."""
    own = "0" + province_code
    codes = sorted(p.code for p in legacy_provinces().values() if p.new_code == province_code)
    return tuple(sorted(codes, key=lambda c: c != own))
