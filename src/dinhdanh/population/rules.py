"""Field rules shared by the registry's operations and the CSV import.

Each check raises `RuleError` with an English msgid (translated where it is shown); a
`Checker` gathers the errors of one request or one CSV row so that every bad field is
named at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, TypeVar

from dinhdanh.platform import clock
from dinhdanh.platform.errors import ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.population import names, personal_id
from dinhdanh.population.models import BLOOD_TYPES, RELATIONS, SEXES
from dinhdanh.population.reference import commune_info, ethnicity_names, religion_names

T = TypeVar("T")

MIN_BIRTH_YEAR: Final = 1900
MAX_ADDRESS_LENGTH: Final = 200
_BIRTH = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_LEGACY_ID = re.compile(r"\d{9}")
_MARKUP_OR_CONTROL = re.compile(r"[<>\x00-\x1f\x7f]")


PID_MESSAGES: Final[dict[str, str]] = {
    "format": N_("A personal ID is exactly 12 digits."),
    "province": N_("The personal ID starts with an unknown province code."),
    "sex_mismatch": N_("The personal ID does not match the person's sex."),
    "year_mismatch": N_("The personal ID does not match the year of birth."),
}


class RuleError(ValueError):
    """A field breaks a rule; `message` is an English msgid with %(name)s params."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A date of birth that may be a year, a year and month, or a full date."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        """YYYY, YYYY-MM or YYYY-MM-DD."""
        return format_birth(self.year, self.month, self.day)

    def earliest(self) -> dt.date:
        """The first day the date could be."""
        return dt.date(self.year, self.month or 1, self.day or 1)


def format_birth(year: int, month: int | None, day: int | None) -> str:
    """Render a possibly partial date of birth as YYYY, YYYY-MM or YYYY-MM-DD."""
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def display_iso_birth(birth: str) -> str:
    """A date written by `format_birth`, the Vietnamese way: DD/MM/YYYY, MM/YYYY or YYYY."""
    return "/".join(reversed(birth.split("-")))


def parse_birth(text: str, *, allow_future: bool = False) -> BirthDate:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD; refuse impossible, pre-1900 and future dates."""
    match = _BIRTH.fullmatch(text.strip())
    if not match:
        raise RuleError("Write the date as YYYY, YYYY-MM or YYYY-MM-DD.")
    year = int(match[1])
    month = int(match[2]) if match[2] else None
    day = int(match[3]) if match[3] else None
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise RuleError("This date does not exist.") from None
    if year < MIN_BIRTH_YEAR:
        raise RuleError("The year must be %(year)s or later.", year=MIN_BIRTH_YEAR)
    birth = BirthDate(year, month, day)
    if not allow_future and birth.earliest() > clock.today():
        raise RuleError("The date is in the future.")
    return birth


def parse_date(text: str) -> dt.date:
    """Parse a full YYYY-MM-DD date."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RuleError("Write the date as YYYY-MM-DD and make sure it exists.") from None


def check_event_date(day: dt.date, birth: BirthDate) -> dt.date:
    """An event (move, death) happens neither in the future nor before the birth."""
    if day > clock.today():
        raise RuleError("The date is in the future.")
    if day < birth.earliest():
        raise RuleError("The date is before the person's birth.")
    return day


def check_personal_id(pid: str, *, sex: str | None = None, birth_year: int | None = None) -> str:
    """A well-formed personal ID, consistent with sex and birth year when they are given."""
    try:
        personal_id.validate(pid.strip(), sex=sex, birth_year=birth_year)
    except personal_id.InvalidPersonalId as exc:
        raise RuleError(PID_MESSAGES[exc.reason]) from None
    return pid.strip()


def typed_personal_id(text: str | None) -> str:
    """A personal ID as a person typed it, spaces dropped, checked for its form."""
    pid = "".join((text or "").split())
    try:
        personal_id.validate(pid)
    except personal_id.InvalidPersonalId:
        raise RuleError(N_("Enter a valid 12-digit personal ID.")) from None
    return pid


def check_legacy_id(text: str) -> str | None:
    """An old 9-digit ID number, or nothing."""
    text = text.strip()
    if not text:
        return None
    if not _LEGACY_ID.fullmatch(text):
        raise RuleError("An old ID number is exactly 9 digits.")
    return text


def check_name(text: str, *, required: bool) -> str:
    """A name part: letters, spaces, hyphens and apostrophes (no markup, no digits)."""
    return _checked_name(text, required)


@lru_cache(maxsize=8192)
def _checked_name(text: str, required: bool) -> str:
    # Cached: names repeat a great deal, and an import checks millions of them.
    try:
        return names.validate_name_part(text, required=required)
    except ValueError:
        if required and not text.strip():
            raise RuleError("This name is required.") from None
        raise RuleError(
            "Use only letters, spaces, hyphens and apostrophes (at most %(n)s characters).",
            n=names.MAX_NAME_PART_LENGTH,
        ) from None


def check_commune(code: str, *, required: bool = True) -> str | None:
    """A current commune code (5 digits) that exists."""
    code = code.strip()
    if not code:
        if required:
            raise RuleError("Choose a commune.")
        return None
    if commune_info(code) is None:
        raise RuleError("Unknown commune code %(code)s.", code=code[:10])
    return code


def check_address(text: str) -> str:
    """A street address: plain text without markup, at most 200 characters."""
    if not text:
        return ""
    text = names.nfc(" ".join(text.split()))
    if len(text) > MAX_ADDRESS_LENGTH:
        raise RuleError("At most %(n)s characters.", n=MAX_ADDRESS_LENGTH)
    if _MARKUP_OR_CONTROL.search(text):
        raise RuleError("The address must not contain < or > or control characters.")
    return text


def check_choice(value: str, allowed: tuple[str, ...] | frozenset[str] | dict[str, str]) -> str:
    """A value from a fixed list."""
    if value not in allowed:
        raise RuleError("Not one of the allowed values.")
    return value


def check_sex(value: str) -> str:
    """'M' or 'F'."""
    if value not in SEXES:
        raise RuleError("Sex must be M or F.")
    return value


def check_relation(value: str) -> str:
    """A relation to the head of household."""
    return check_choice(value, RELATIONS)


def check_ethnicity(code: str) -> str:
    """One of the 54 ethnic group codes."""
    if code not in ethnicity_names():
        raise RuleError("Unknown ethnic group code %(code)s.", code=code[:10])
    return code


def check_religion(code: str) -> str | None:
    """A religion code, or empty for none."""
    code = code.strip()
    if not code:
        return None
    if code not in religion_names():
        raise RuleError("Unknown religion code %(code)s.", code=code[:10])
    return code


def check_blood_type(value: str) -> str | None:
    """A, B, AB, O or empty."""
    value = value.strip().upper()
    if not value:
        return None
    return check_choice(value, BLOOD_TYPES)


class Checker:
    """Runs field checks and gathers their errors instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def check(self, field: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Run one check; on RuleError remember it against `field` and return None."""
        try:
            return fn(*args, **kwargs)
        except RuleError as exc:
            self.add(field, exc.message, **exc.params)
            return None

    def add(self, field: str, message: str, **params: Any) -> None:
        """Remember an error found outside a check."""
        self.errors.append(field_error(field, message, **params))

    def raise_if_any(self) -> None:
        """Raise a ValidationProblem naming every field that failed."""
        if self.errors:
            raise ValidationProblem(errors=self.errors)


def check_field(field: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """One field's check: the checked value, or a ValidationProblem naming the field."""
    checker = Checker()
    value = checker.check(field, fn, *args, **kwargs)
    checker.raise_if_any()
    return value  # type: ignore[return-value]
