"""The CSV format of the registry (docs/population-csv.md): columns and per-row checks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from dinhdanh.platform.i18n import gettext
from dinhdanh.population import names, personal_id
from dinhdanh.population.models import STATUSES
from dinhdanh.population.rules import (
    Checker,
    RuleError,
    check_address,
    check_blood_type,
    check_commune,
    check_ethnicity,
    check_event_date,
    check_legacy_id,
    check_name,
    check_personal_id,
    check_relation,
    check_religion,
    check_sex,
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


def csv_row(p: dict[str, Any], household_number: str, ids: dict[Any, str]) -> dict[str, Any]:
    """One citizen (a dict of citizen columns) as a CSV row; links become personal IDs."""
    birth = [f"{p['birth_year']:04d}"]
    birth += [f"{p['birth_month']:02d}"] if p["birth_month"] else []
    birth += [f"{p['birth_day']:02d}"] if p["birth_day"] else []
    return {
        **{c: p[c] or "" for c in COLUMNS if c in p},
        "birth_date": "-".join(birth),
        "death_date": p["death_date"].isoformat() if p["death_date"] else "",
        "household_number": household_number if p["household_id"] else "",
        "father_personal_id": ids.get(p["father_id"], ""),
        "mother_personal_id": ids.get(p["mother_id"], ""),
        "spouse_personal_id": ids.get(p["spouse_id"], ""),
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


def validate_row(raw: dict[str, str], line: int, report: ImportReport) -> dict[str, Any] | None:
    """Check one CSV row; return the staging record, or None after reporting its errors."""
    v = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    ck = Checker()
    sex = ck.check("sex", check_sex, v["sex"])
    birth = ck.check("birth_date", parse_birth, v["birth_date"])
    pid = ck.check(
        "personal_id",
        check_personal_id,
        v["personal_id"],
        sex=sex,
        birth_year=birth.year if birth else None,
    )
    fam = ck.check("family_name", check_name, v["family_name"], required=False)
    mid = ck.check("middle_name", check_name, v["middle_name"], required=False)
    giv = ck.check("given_name", check_name, v["given_name"], required=True)
    status = v["status"] or "living"
    if status not in STATUSES:
        ck.add("status", "Not one of the allowed values.")
    death = ck.check("death_date", parse_date, v["death_date"]) if v["death_date"] else None
    if death and birth:
        ck.check("death_date", check_event_date, death, birth)
    if (status == "deceased") != bool(v["death_date"]):
        ck.add("death_date", "A death date goes with the status deceased, and only with it.")
    perm = ck.check("permanent_commune_code", check_commune, v["permanent_commune_code"])
    temp = ck.check(
        "temporary_commune_code", check_commune, v["temporary_commune_code"], required=False
    )
    curr = ck.check(
        "current_commune_code", check_commune, v["current_commune_code"], required=False
    )
    texts = {c: ck.check(c, check_address, v[c]) for c in _TEXT_COLUMNS}
    number = v["household_number"]
    if number:
        ck.check("household_number", _check_household_number, number)
        ck.check("relation_to_head", check_relation, v["relation_to_head"])
    elif v["relation_to_head"]:
        ck.add("relation_to_head", "A relation to the head needs a household number.")
    links = {
        stage: ck.check(column, _check_link, v[column], sex) if v[column] else None
        for stage, column, sex in LINKS
    }
    record = {
        "legacy_id": ck.check("legacy_id", check_legacy_id, v["legacy_id"]),
        "nationality": v["nationality"].upper() or "VN",
        "ethnicity_code": ck.check("ethnicity_code", check_ethnicity, v["ethnicity_code"]),
        "religion_code": ck.check("religion_code", check_religion, v["religion_code"]),
        "blood_type": ck.check("blood_type", check_blood_type, v["blood_type"]),
    }
    if len(record["nationality"]) != 2 or not record["nationality"].isalpha():
        ck.add("nationality", "A nationality is a 2-letter country code, such as VN.")
    for e in ck.errors:
        report.error(line, e["field"], e["message"], **e["params"])
    if ck.errors:
        return None
    assert birth is not None and pid is not None and giv is not None
    full = names.full_name(fam or "", mid or "", giv)
    return {
        **record,
        **{k: val or "" for k, val in texts.items()},
        **links,
        "occupation": texts["occupation"] or None,
        "line": line,
        "id": uuid.uuid4(),
        "household_new_id": None,
        "personal_id": pid,
        "family_name": fam or "",
        "middle_name": mid or "",
        "given_name": giv,
        "name_folded": names.fold(full),
        "birth_year": birth.year,
        "birth_month": birth.month,
        "birth_day": birth.day,
        "sex": sex,
        "status": status,
        "death_date": death,
        "permanent_commune_code": perm,
        "temporary_commune_code": temp,
        "current_commune_code": curr or temp or perm,
        "current_address": texts["current_address"]
        or (texts["temporary_address"] if temp else texts["permanent_address"])
        or "",
        "household_number": number or None,
        "relation_to_head": v["relation_to_head"] or None,
    }
