"""The CSV format of the registry (docs/population-csv.md): columns and per-row checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from dinhdanh.platform.i18n import N_, gettext
from dinhdanh.population import names, personal_id
from dinhdanh.population.models import STATUSES
from dinhdanh.population.rules import (
    RuleError,
    check_address,
    check_blood_type,
    check_choice,
    check_commune,
    check_ethnicity,
    check_event_date,
    check_legacy_id,
    check_name,
    check_personal_id,
    check_relation,
    check_religion,
    check_sex,
    format_birth,
    parse_birth,
    parse_date,
)

COLUMNS: Final[tuple[str, ...]] = (
    "personal_id", "legacy_id", "family_name", "middle_name", "given_name", "birth_date",
    "sex", "place_of_birth", "birth_registration_place", "place_of_origin", "nationality",
    "ethnicity_code", "religion_code", "blood_type", "occupation", "status", "death_date",
    "permanent_commune_code", "permanent_address", "temporary_commune_code",
    "temporary_address", "current_commune_code", "current_address", "household_number",
    "relation_to_head", "father_personal_id", "mother_personal_id", "spouse_personal_id",
)  # fmt: skip
REQUIRED: Final = frozenset(
    {"personal_id", "family_name", "middle_name", "given_name", "birth_date", "sex"}
    | {"ethnicity_code", "permanent_commune_code"}
)
_TEXT_COLUMNS: Final = (
    "place_of_birth", "birth_registration_place", "place_of_origin", "permanent_address",
    "temporary_address", "current_address", "occupation",
)  # fmt: skip
MAX_ERRORS: Final = 1000
LINKS: Final = (
    ("father_pid", "father_personal_id", "M"),
    ("mother_pid", "mother_personal_id", "F"),
    ("spouse_pid", "spouse_personal_id", None),
)


@dataclass
class ImportReport:
    """The outcome of an import: rows that passed, the errors, and whether it was written."""

    rows_ok: int = 0
    rows_read: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    error_count: int = 0
    imported: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """True when the file has no error."""
        return self.error_count == 0

    def error(self, line: int, column: str, message: str, **params: Any) -> None:
        """Record one error (the first MAX_ERRORS are kept, the rest counted)."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((line, column, gettext(message, **params)))


def csv_row(p: dict[str, Any], household_number: str) -> dict[str, Any]:
    """One citizen (a dict of citizen columns, with `father_pid`, `mother_pid` and
    `spouse_pid` holding the linked people's personal IDs) as a CSV row."""
    return {
        **{c: p[c] or "" for c in COLUMNS if c in p},
        "birth_date": format_birth(p["birth_year"], p["birth_month"], p["birth_day"]),
        "death_date": p["death_date"].isoformat() if p["death_date"] else "",
        "household_number": household_number if p["household_id"] else "",
        "father_personal_id": p["father_pid"] or "",
        "mother_personal_id": p["mother_pid"] or "",
        "spouse_personal_id": p["spouse_pid"] or "",
    }


def _check_household_number(value: str) -> str:
    if len(value) > 20 or not value.replace("-", "").isalnum() or not value.isascii():
        raise RuleError("A household number has at most 20 letters, digits or hyphens.")
    return value


def _check_link(value: str, sex: str | None) -> str:
    pid = check_personal_id(value)
    if sex and personal_id.decode(pid).sex != sex:
        raise RuleError("The mother must be female and the father male.")
    return pid


def pid_key(value: str) -> str:
    """The personal ID reduced to what its verdict depends on.

    `personal_id.validate` looks at a 12-ASCII-digit ID's first six digits only (province,
    century/sex, year; the serial is free), so every such ID shares the verdict of its
    first six digits followed by zeros. Anything else is its own key. Keying the cached
    verdicts by this lets an import check a million distinct IDs with a few thousand
    calls of the one rule, instead of re-stating the rule.
    """
    if len(value) == 12 and value.isascii() and value.isdigit():
        return value[:6] + "000000"
    return value


_MEMO_SIZE: Final = 50_000
Verdict = tuple[Any, tuple[str, dict[str, Any]] | None]


class _Memo:
    """A bounded memo of one rule of one argument: value -> (result, error).

    Rules are pure functions of their arguments during one import, and CSV values repeat
    a great deal (communes, codes, name parts, dates). The memo is emptied when full, so
    memory stays flat however many distinct values a file has.
    """

    __slots__ = ("cache", "fn")

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.cache: dict[Any, Verdict] = {}

    def __call__(self, value: Any) -> Verdict:
        verdict = self.cache.get(value)
        if verdict is None:
            try:
                verdict = (self.fn(value), None)
            except RuleError as exc:
                verdict = (None, (exc.message, exc.params))
            if len(self.cache) >= _MEMO_SIZE:
                self.cache.clear()
            self.cache[value] = verdict
        return verdict


# The record `RowValidator.validate` returns, in this order (the staging table's columns).
STAGE_FIELDS: Final[tuple[str, ...]] = (
    "line", "personal_id", "legacy_id", "family_name", "middle_name", "given_name",
    "name_folded", "birth_year", "birth_month", "birth_day", "sex", "place_of_birth",
    "birth_registration_place", "place_of_origin", "nationality", "ethnicity_code",
    "religion_code", "blood_type", "occupation", "status", "death_date",
    "permanent_commune_code", "permanent_address", "temporary_commune_code",
    "temporary_address", "current_commune_code", "current_address", "household_number",
    "relation_to_head", "father_pid", "mother_pid", "spouse_pid",
)  # fmt: skip


class RowValidator:
    """Checks CSV rows with the rules of `rules.py`, remembering each verdict by value.

    This is the only statement of how a row is checked (the order of the checks is the
    order of the errors reported for a line). Each rule runs once per distinct value (a
    personal ID: once per `pid_key`), so a row costs dictionary look-ups rather than
    rule evaluations: the per-row Python work of an import is a few microseconds.
    """

    def __init__(self, header: tuple[str, ...] | list[str] = COLUMNS) -> None:
        # Where each column is in a row; a column the file lacks reads as "" (the last).
        self.at = {c: header.index(c) if c in header else len(header) for c in COLUMNS}
        self.sex = _Memo(check_sex)
        self.birth = _Memo(parse_birth)
        self.pid = _Memo(lambda k: check_personal_id(k[0], sex=k[1], birth_year=k[2]))
        self.name = _Memo(lambda text: check_name(text, required=False))
        self.given = _Memo(lambda text: check_name(text, required=True))
        self.fold = _Memo(names.fold)
        self.status = _Memo(lambda v: check_choice(v, STATUSES))
        self.date = _Memo(parse_date)
        self.event = _Memo(lambda k: check_event_date(*k))
        self.commune = _Memo(check_commune)
        self.other_commune = _Memo(lambda code: check_commune(code, required=False))
        self.address = _Memo(check_address)
        self.household = _Memo(_check_household_number)
        self.relation = _Memo(check_relation)
        self.links = {
            sex: _Memo(lambda key, sex=sex: _check_link(key, sex)) for _s, _c, sex in LINKS
        }
        self.legacy = _Memo(check_legacy_id)
        self.ethnicity = _Memo(check_ethnicity)
        self.religion = _Memo(check_religion)
        self.blood = _Memo(check_blood_type)

    def validate(
        self, values: list[str], line: int, report: ImportReport
    ) -> tuple[Any, ...] | None:
        """Check one CSV row (its fields in header order); return its staging record
        (STAGE_FIELDS), or None after reporting its errors."""
        fields = [f.strip() for f in values]
        fields.append("")
        v = {c: fields[i] for c, i in self.at.items()}
        errors: list[tuple[str, tuple[str, dict[str, Any]]]] = []

        def take(column: str, verdict: Verdict) -> Any:
            if verdict[1] is not None:
                errors.append((column, verdict[1]))
            return verdict[0]

        sex = take("sex", self.sex(v["sex"]))
        birth = take("birth_date", self.birth(v["birth_date"]))
        pid_text = v["personal_id"]
        pid = take("personal_id", self.pid((pid_key(pid_text), sex, birth.year if birth else None)))
        pid = pid_text if pid is not None else None
        fam = take("family_name", self.name(v["family_name"]))
        mid = take("middle_name", self.name(v["middle_name"]))
        giv = take("given_name", self.given(v["given_name"]))
        status = v["status"] or "living"
        take("status", self.status(status))
        death = take("death_date", self.date(v["death_date"])) if v["death_date"] else None
        if death and birth:
            take("death_date", self.event((death, birth)))
        if (status == "deceased") != bool(v["death_date"]):
            message = N_("A death date goes with the status deceased, and only with it.")
            errors.append(("death_date", (message, {})))
        perm = take("permanent_commune_code", self.commune(v["permanent_commune_code"]))
        temp = take("temporary_commune_code", self.other_commune(v["temporary_commune_code"]))
        curr = take("current_commune_code", self.other_commune(v["current_commune_code"]))
        texts = {c: take(c, self.address(v[c])) for c in _TEXT_COLUMNS}
        number = v["household_number"]
        if number:
            take("household_number", self.household(number))
            take("relation_to_head", self.relation(v["relation_to_head"]))
        elif v["relation_to_head"]:
            errors.append(
                ("relation_to_head", (N_("A relation to the head needs a household number."), {}))
            )
        links = []
        for _stage, column, link_sex in LINKS:
            value = v[column]
            ok = value and take(column, self.links[link_sex](pid_key(value))) is not None
            links.append(value if ok else None)
        legacy = take("legacy_id", self.legacy(v["legacy_id"]))
        nationality = v["nationality"].upper() or "VN"
        ethnicity = take("ethnicity_code", self.ethnicity(v["ethnicity_code"]))
        religion = take("religion_code", self.religion(v["religion_code"]))
        blood = take("blood_type", self.blood(v["blood_type"]))
        if len(nationality) != 2 or not nationality.isalpha():
            errors.append(
                ("nationality", (N_("A nationality is a 2-letter country code, such as VN."), {}))
            )
        if errors:
            for column, (message, params) in errors:
                report.error(line, column, message, **params)
            return None
        assert birth is not None and pid is not None and giv is not None
        # fold() works character by character and name parts hold no outer spaces, so the
        # folded full name is the folded parts joined (tests/population/test_io.py checks it).
        folded = " ".join(self.fold(p)[0] for p in (fam, mid, giv) if p)
        return (
            line, pid, legacy, fam or "", mid or "", giv, folded,
            birth.year, birth.month, birth.day, sex,
            texts["place_of_birth"] or "", texts["birth_registration_place"] or "",
            texts["place_of_origin"] or "", nationality, ethnicity, religion, blood,
            texts["occupation"] or None, status, death,
            perm, texts["permanent_address"] or "",
            temp, texts["temporary_address"] or "",
            curr or temp or perm,
            texts["current_address"]
            or (texts["temporary_address"] if temp else texts["permanent_address"])
            or "",
            number or None, v["relation_to_head"] or None, *links,
        )  # fmt: skip


def validate_row(raw: dict[str, str], line: int, report: ImportReport) -> dict[str, Any] | None:
    """Check one CSV row; return its staging record as a dict, or None after reporting."""
    record = RowValidator().validate([raw.get(c) or "" for c in COLUMNS], line, report)
    return None if record is None else dict(zip(STAGE_FIELDS, record, strict=True))
