"""The machine-readable zone on the back of the card: ICAO 9303 TD1 (3 lines of 30).

Vietnam's layout (DOMAIN.md, "MRZ"):

    line 1  ID VNM <document number: last 9 digits of the personal ID> <check>
            <optional data: the 12-digit personal ID> << <check digit of the 12 digits>
    line 2  <birth YYMMDD> <check> <sex M/F> <expiry YYMMDD> <check> VNM <fillers> <composite>
    line 3  FAMILY<<MIDDLE<GIVEN, without diacritics, Đ written D

A card without expiry carries `991231`. Check digits (9303 Part 3, 4.9): weights 7, 3, 1
repeated; digits count as their value, A-Z as 10-35, the filler `<` as 0; the sum mod 10.
The composite digit (Part 5) covers line 1 from position 6 and line 2's birth date, expiry
and optional data with their check digits.

The parser reads any TD1 document (the ICAO specimen too) and checks every check digit,
naming the one that fails; on a Vietnamese card it also checks the personal ID's digit and
that the document number is the personal ID's tail.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from dinhdanh.platform import clock

__all__ = [
    "FILLER",
    "LINE_LENGTH",
    "NO_EXPIRY",
    "MrzError",
    "Td1",
    "build_td1",
    "check_digit",
    "name_field",
    "parse_td1",
]

LINE_LENGTH: Final = 30
FILLER: Final = "<"
NO_EXPIRY: Final = "991231"
VIETNAM: Final = "VNM"
ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
_WEIGHTS: Final = (7, 3, 1)
_VALUES: Final = {ch: (0 if ch == FILLER else int(ch, 36)) for ch in ALPHABET}

# Letters that Unicode does not decompose into a base letter and a mark (9303 Part 3, 6.A).
_TRANSLITERATION: Final = {
    "Đ": "D",
    "đ": "D",
    "Ð": "D",
    "ð": "D",
    "ß": "SS",
    "Æ": "AE",
    "æ": "AE",
    "Ø": "OE",
    "ø": "OE",
    "Œ": "OE",
    "œ": "OE",
    "Þ": "TH",
    "þ": "TH",
    "Ł": "L",
    "ł": "L",
    "Ħ": "H",
    "ħ": "H",
}
_SEPARATORS: Final = frozenset(" -\u2010\u2011")  # a space or hyphen becomes a filler
_DROPPED: Final = frozenset("'\u2019.,")  # apostrophes and punctuation are left out
_VN_OPTIONAL: Final = re.compile(r"(\d{12})<<(\d)")

Field = Literal[
    "format",
    "document_number",
    "personal_id",
    "birth_date",
    "sex",
    "expiry_date",
    "composite",
    "name",
]


class MrzError(ValueError):
    """An MRZ that cannot be built or read; `field` names the failed part or check digit."""

    def __init__(self, field: Field, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field: Field = field
        self.message = message


def check_digit(data: str) -> str:
    """The ICAO 9303 check digit of `data` (characters 0-9, A-Z and `<`), as a character."""
    try:
        total = sum(_VALUES[ch] * _WEIGHTS[i % 3] for i, ch in enumerate(data))
    except KeyError as exc:
        raise MrzError("format", f"character {exc.args[0]!r} is not allowed in an MRZ") from None
    return str(total % 10)


def _transliterate(text: str, field: Field) -> str:
    """Upper-case MRZ letters with `<` between words; anything else is refused."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) or ch in _DROPPED:
            continue
        if ch in _SEPARATORS:
            out.append(FILLER)
            continue
        mapped = _TRANSLITERATION.get(ch, ch).upper()
        if not all("A" <= c <= "Z" for c in mapped):
            raise MrzError(field, f"character {ch!r} cannot be written in the MRZ")
        out.append(mapped)
    return FILLER.join(part for part in "".join(out).split(FILLER) if part)


def _fit(text: str, width: int) -> str:
    """Cut `text` (longer than `width`) to exactly `width` characters ending with a letter.

    9303 Part 3, 4.6: a truncated name fills its field and ends with an alphabetic
    character, which tells a reader the name may have been cut. When the cut falls on a
    separator, the next name is kept as its initial and the room comes from the name before
    it (recursively, should that one be a single letter), so every separator kept is intact.
    """
    cut = text[:width]
    if cut[-1] != FILLER:
        return cut
    letters_end = len(cut.rstrip(FILLER))
    next_letter = letters_end
    while text[next_letter] == FILLER:
        next_letter += 1
    separator = text[letters_end:next_letter]
    head_width = width - len(separator) - 1
    if head_width < 1:
        raise MrzError("name", "the name cannot be shortened to fit the MRZ")
    return _fit(text[:letters_end], head_width) + separator + text[next_letter]


def name_field(family: str, middle: str, given: str, width: int = LINE_LENGTH) -> str:
    """Line 3: `FAMILY<<MIDDLE<GIVEN` without diacritics, padded or truncated to `width`.

    A name of one word (no family name) is written as the primary identifier alone. A name
    too long is cut at the end (see `_fit`); a family name too long for the line keeps room
    for `<<` and the secondary identifier's initial.
    """
    primary = _transliterate(family, "name")
    secondary = FILLER.join(
        p for p in (_transliterate(middle, "name"), _transliterate(given, "name")) if p
    )
    if not primary:
        primary, secondary = secondary, ""
    if not primary:
        raise MrzError("name", "the name is empty")
    if secondary and len(primary) > width - 3:
        # Keep room for the separator and at least the secondary identifier's initial.
        primary = _fit(primary, width - 3)
    text = primary + (FILLER * 2 + secondary if secondary else "")
    if len(text) <= width:
        return text.ljust(width, FILLER)
    return _fit(text, width)


def _yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


def build_td1(
    *,
    personal_id: str,
    birth_date: dt.date,
    sex: str,
    expiry: dt.date | None,
    family_name: str,
    middle_name: str,
    given_name: str,
) -> tuple[str, str, str]:
    """The three MRZ lines of a Vietnamese card (expiry None: `991231`, no expiry)."""
    if not (len(personal_id) == 12 and personal_id.isascii() and personal_id.isdigit()):
        raise MrzError("personal_id", "the personal ID must be 12 digits")
    if sex not in ("M", "F"):
        raise MrzError("sex", "sex must be M or F")
    number = personal_id[3:]
    optional = f"{personal_id}{FILLER * 2}{check_digit(personal_id)}"
    line1 = f"ID{VIETNAM}{number}{check_digit(number)}{optional}"
    birth = _yymmdd(birth_date)
    expires = NO_EXPIRY if expiry is None else _yymmdd(expiry)
    optional2 = FILLER * 11
    composite = check_digit(
        line1[5:30] + birth + check_digit(birth) + expires + check_digit(expires) + optional2
    )
    line2 = (
        f"{birth}{check_digit(birth)}{sex}{expires}{check_digit(expires)}{VIETNAM}"
        f"{optional2}{composite}"
    )
    line3 = name_field(family_name, middle_name, given_name)
    return line1, line2, line3


@dataclass(frozen=True)
class Td1:
    """A TD1 MRZ read and checked by `parse_td1`; dates stay as printed (YYMMDD)."""

    document_code: str
    issuing_state: str
    document_number: str
    optional_data: str
    birth_date: str
    sex: str
    expiry_date: str
    nationality: str
    optional_data_2: str
    primary_identifier: str
    secondary_identifier: str
    lines: tuple[str, str, str]

    @property
    def text(self) -> str:
        """The three lines joined by newlines."""
        return "\n".join(self.lines)

    @property
    def personal_id(self) -> str | None:
        """The 12-digit personal ID of a Vietnamese card (None on other documents)."""
        found = _VN_OPTIONAL.fullmatch(self.optional_data)
        return found.group(1) if found and self.issuing_state == VIETNAM else None

    def birth(self) -> dt.date | None:
        """The birth date; the century comes from the personal ID's century digit when
        there is one, otherwise the latest century that puts it in the past (None: unknown)."""
        pid = self.personal_id
        century = 1900 + 100 * (int(pid[3]) // 2) if pid else None
        return _resolve(self.birth_date, century, past=True)

    def expiry(self) -> dt.date | None:
        """The expiry date (None: `991231` on a Vietnamese card, or unknown)."""
        if self.expiry_date == NO_EXPIRY and self.issuing_state == VIETNAM:
            return None
        return _resolve(self.expiry_date, 2000, past=False)


def _resolve(yymmdd: str, century: int | None, *, past: bool) -> dt.date | None:
    if not yymmdd.isdigit():
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if century is None:
        today = clock.today()
        century = 2000 if (not past or 2000 + yy <= today.year) else 1900
    return dt.date(century + yy, mm, dd)


def _lines(text: str) -> tuple[str, str, str]:
    rows = [row.strip() for row in text.strip().splitlines() if row.strip()]
    if len(rows) == 1 and len(rows[0]) == 3 * LINE_LENGTH:
        rows = [rows[0][i : i + LINE_LENGTH] for i in range(0, 3 * LINE_LENGTH, LINE_LENGTH)]
    if len(rows) != 3 or any(len(row) != LINE_LENGTH for row in rows):
        raise MrzError("format", "a TD1 MRZ has 3 lines of 30 characters")
    for row in rows:
        bad = next((ch for ch in row if ch not in ALPHABET), None)
        if bad is not None:
            raise MrzError("format", f"character {bad!r} is not allowed in an MRZ")
    return rows[0], rows[1], rows[2]


def _expect(field: Field, data: str, digit: str) -> None:
    if not digit.isdigit() or check_digit(data) != digit:
        raise MrzError(field, "check digit does not match")


def _date_field(field: Field, value: str) -> None:
    if value == FILLER * 6:  # unknown date: allowed by 9303, still check-digited
        return
    try:
        # A calendar check only: 2000 + YY is a leap year exactly when 1900 + YY is, but 00.
        dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError:
        raise MrzError(field, "not a date (YYMMDD)") from None


def _document_number(line1: str, *, vietnamese: bool) -> tuple[str, str, str]:
    """(number, its check digit, the optional data after it): a number longer than nine
    characters continues in the optional data, its check digit after it (9303 Part 5);
    never on a Vietnamese card, whose number is always nine digits."""
    number, digit, optional = line1[5:14], line1[14], line1[15:30]
    if digit == FILLER and optional[0] != FILLER and not vietnamese:
        tail = optional.split(FILLER, 1)[0]
        return number + tail[:-1], tail[-1], optional[len(tail) :]
    return number, digit, optional


def _check_vietnamese(number: str, optional: str) -> None:
    found = _VN_OPTIONAL.fullmatch(optional)
    if found is None:
        raise MrzError("personal_id", "optional data must be the 12-digit personal ID, <<, check")
    pid, digit = found.groups()
    _expect("personal_id", pid, digit)
    if pid[3:] != number:
        raise MrzError("document_number", "the document number is not the personal ID's tail")


def parse_td1(text: str) -> Td1:
    """Read a TD1 MRZ (3 lines, or the 90 characters in one) and check every check digit;
    `MrzError.field` names the first that fails."""
    line1, line2, line3 = _lines(text)
    vietnamese = line1[:2] == "ID" and line1[2:5] == VIETNAM
    number, number_digit, optional = _document_number(line1, vietnamese=vietnamese)
    _expect("document_number", number, number_digit)
    if vietnamese:
        _check_vietnamese(number, optional)
    birth, expiry = line2[0:6], line2[8:14]
    _date_field("birth_date", birth)
    _expect("birth_date", birth, line2[6])
    if line2[7] not in ("M", "F", "X", FILLER):
        raise MrzError("sex", "sex must be M, F, X or <")
    if not (vietnamese and expiry == NO_EXPIRY):
        _date_field("expiry_date", expiry)
    _expect("expiry_date", expiry, line2[14])
    _expect("composite", line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29], line2[29])
    primary, _, secondary = line3.rstrip(FILLER).partition(FILLER * 2)
    return Td1(
        document_code=line1[0:2],
        issuing_state=line1[2:5],
        document_number=number,
        optional_data=optional.rstrip(FILLER) if not vietnamese else optional,
        birth_date=birth,
        sex=line2[7],
        expiry_date=expiry,
        nationality=line2[15:18],
        optional_data_2=line2[18:29],
        primary_identifier=primary.replace(FILLER, " "),
        secondary_identifier=secondary.replace(FILLER, " ").strip(),
        lines=(line1, line2, line3),
    )
