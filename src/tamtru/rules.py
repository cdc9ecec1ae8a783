"""The data formats a declaration is checked against: dates (partial dates of birth
included, as the registry keeps them) and personal IDs (`PPP C YY NNNNNN`)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from typing import Final

# The 63 province codes of Circular 07/2016 that begin every personal ID.
PROVINCE_PREFIXES: Final = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 "
    "035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 "
    "070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)


def parse_date(text: str) -> date | None:
    """A date typed as YYYY-MM-DD (the date picker) or DD/MM/YYYY."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_birth(text: str) -> tuple[int, int | None, int | None] | None:
    """A (possibly partial) date of birth: DD/MM/YYYY, MM/YYYY or YYYY."""
    parts = text.split("/")
    if not all(p.isdigit() for p in parts) or len(parts) > 3 or len(parts[-1]) != 4:
        return None
    year = int(parts[-1])
    month = int(parts[-2]) if len(parts) >= 2 else None
    day = int(parts[0]) if len(parts) == 3 else None
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    return year, month, day


def add_years(day: date, years: int) -> date:
    """The same day `years` later (28 February for a 29 February that does not exist)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def youngest_age(birth: tuple[int, int | None, int | None], today: date) -> int:
    """The youngest age the person may have today: a partial date of birth counts from
    the last day it allows."""
    year, month, day = birth
    month = month or 12
    day = day or calendar.monthrange(year, month)[1]
    return today.year - year - ((today.month, today.day) < (month, day))


def personal_id_error(
    pid: str, *, sex: str | None = None, birth_year: int | None = None
) -> str | None:
    """Why a personal ID cannot be right (`PPP C YY NNNNNN`: province code, century and sex,
    year of birth), or None."""
    if not re.fullmatch(r"\d{12}", pid):
        return "A personal ID has 12 digits."
    if pid[:3] not in PROVINCE_PREFIXES:
        return "This personal ID does not begin with a province code."
    code = int(pid[3])
    if sex and sex != ("male" if code % 2 == 0 else "female"):
        return "This personal ID does not match the sex given."
    if birth_year and 1900 + 100 * (code // 2) + int(pid[4:6]) != birth_year:
        return "This personal ID does not match the year of birth."
    return None
