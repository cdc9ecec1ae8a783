"""The temporary residence declaration (CT01 form, Circular 66/2023/TT-BCA) and its rules
(Law on Residence 2020, Art. 27–28): who declares, the person, the new place, the period of
stay, the legal basis for living there and the household at the new place.

Messages are English msgids, translated when the page is rendered (`tamtru.i18n`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any, Final

from tamtru import places
from tamtru.prefill import Prefill
from tamtru.rules import add_years, parse_birth, parse_date, personal_id_error, youngest_age

MODES: Final = {"self": "Myself", "other": "My child or ward"}
# Who declares for someone else: a parent for a minor, a guardian for a ward (Art. 28.1.a).
RELATIONS_TO_PERSON: Final = {"father": "Father", "mother": "Mother", "guardian": "Guardian"}
SEXES: Final = {"male": "Male", "female": "Female"}
# The paper proving a legal place of residence (Art. 28.1.b; Decree 154/2024, Art. 5).
LEGAL_BASES: Final = {
    "own": "The place is mine (ownership certificate)",
    "consent": "The owner agrees that I live there",
    "rental": "A rental, loan or lodging contract",
}
HOUSEHOLDS: Final = {
    "join": "I join the household of the head named below",
    "new": "I start a household of my own there (I am its head)",
}
RELATIONS_TO_HEAD: Final = {
    "spouse": "Wife or husband",
    "child": "Child",
    "parent": "Father or mother",
    "sibling": "Brother or sister",
    "grandchild": "Grandchild",
    "grandparent": "Grandparent",
    "relative": "Other relative",
    "lodger": "Lodger or tenant",
    "other": "Other",
}
# Choices by field, for the pages.
CHOICES: Final = {
    "mode": MODES,
    "relation_to_person": RELATIONS_TO_PERSON,
    "sex": SEXES,
    "legal_basis": LEGAL_BASES,
    "household": HOUSEHOLDS,
    "relation_to_head": RELATIONS_TO_HEAD,
}
# Art. 27.1: 30 days or more at a place outside the commune of permanent residence;
# Art. 27.2: at most 2 years a time, renewable.
MIN_STAY_DAYS: Final = 30
MAX_STAY_YEARS: Final = 2
# How far ahead a stay may start (an arrival already planned).
MAX_DAYS_AHEAD: Final = 30
MAX_LENGTH: Final = {
    "full_name": 100,
    "owner_name": 100,
    "head_name": 100,
    "street": 200,
    "document_ref": 100,
    "email": 254,
    "permanent_residence": 300,
    "notes": 1000,
}
FIELDS: Final = (
    "mode",
    "relation_to_person",
    "full_name",
    "birth_date",
    "sex",
    "personal_id",
    "phone",
    "email",
    "permanent_residence",
    "province",
    "commune",
    "street",
    "stay_from",
    "stay_until",
    "legal_basis",
    "owner_name",
    "owner_personal_id",
    "contract_date",
    "contract_until",
    "document_ref",
    "household",
    "head_name",
    "head_personal_id",
    "relation_to_head",
    "notes",
    "pledge",
)
# Field → its label (msgid), for the list of errors at the top of the form.
FIELD_LABELS: Final = {
    "mode": "Who declares",
    "relation_to_person": "Your relation to the person",
    "full_name": "Full name",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "personal_id": "Personal ID",
    "phone": "Phone number",
    "email": "E-mail",
    "permanent_residence": "Permanent residence",
    "province": "Province or city",
    "commune": "Commune, ward or special zone",
    "street": "House number, street, hamlet or village",
    "stay_from": "From",
    "stay_until": "Until",
    "legal_basis": "On what grounds do you live there?",
    "owner_name": "Owner or landlord: full name",
    "owner_personal_id": "Owner or landlord: personal ID",
    "contract_date": "Contract signed on",
    "contract_until": "Contract ends on",
    "document_ref": "Number of the ownership certificate or contract",
    "household": "Household",
    "head_name": "Head of household: full name",
    "head_personal_id": "Head of household: personal ID",
    "relation_to_head": "Relation to the head of household",
    "notes": "Notes",
    "pledge": "Pledge",
}
REQUIRED: Final = "This field is required."
_NAME = re.compile(r"[^\W\d_]+(?:[ '-][^\W\d_]+)*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"0\d{9}")


def _clean(text: str | None) -> str:
    """NFC, spaces collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


@dataclass(frozen=True, slots=True)
class Declaration:
    """A valid declaration, ready to be filed."""

    mode: str
    relation_to_person: str
    declarant_name: str
    declarant_personal_id: str
    full_name: str
    birth_date: str
    sex: str
    personal_id: str
    phone: str
    email: str
    permanent_residence: str
    commune_code: str
    street: str
    stay_from: date
    stay_until: date
    legal_basis: str
    owner_name: str
    owner_personal_id: str
    contract_date: date | None
    contract_until: date | None
    document_ref: str
    household: str
    head_name: str
    head_personal_id: str
    relation_to_head: str
    notes: str
    prefilled: tuple[str, ...]

    @property
    def commune(self) -> places.Commune:
        """The commune of the new place."""
        found = places.commune(self.commune_code)
        assert found is not None  # checked by validate()
        return found

    def record(self) -> dict[str, Any]:
        """The declaration as stored and shown on the receipt (JSON types), with the
        address and the registration authority spelt out."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, date):
                data[key] = value.isoformat()
        data["prefilled"] = list(self.prefilled)
        data["temporary_address"] = f"{self.street}, {self.commune.label}"
        data["authority"] = self.commune.police
        return data


@dataclass(slots=True)
class Checked:
    """The outcome of checking a posted form: the values to show again, the errors by
    field (msgids), and the declaration when there are none."""

    values: dict[str, str]
    errors: dict[str, str]
    declaration: Declaration | None = None


def initial_values(prefill: Prefill, mode: str, today: date) -> dict[str, str]:
    """What an empty form shows: the sign-in's data (only the contact details when
    declaring for someone else) and a stay starting today."""
    values = {name: "" for name in FIELDS}
    values.update(mode=mode, legal_basis="consent", household="join", stay_from=today.isoformat())
    shown = (
        prefill.values
        if mode == "self"
        else {k: v for k, v in prefill.values.items() if k in ("phone", "email")}
    )
    values.update(shown)
    return values


def validate(form: Mapping[str, str], *, prefill: Prefill, today: date) -> Checked:
    """Check a posted declaration. Verified identity fields of a self-declaration come from
    the sign-in whatever was posted."""
    values = {name: _clean(form.get(name)) for name in FIELDS}
    values["notes"] = unicodedata.normalize("NFC", form.get("notes") or "").strip()
    mode = values["mode"] if values["mode"] in MODES else "self"
    values["mode"] = mode
    if mode == "self":
        for name in prefill.fields:
            if prefill.locked(name):
                values[name] = prefill.values[name]
    errors: dict[str, str] = {}

    def need(*names: str) -> None:
        for name in names:
            if not values[name]:
                errors.setdefault(name, REQUIRED)

    def choice(name: str, allowed: Mapping[str, str]) -> None:
        if values[name] and values[name] not in allowed:
            errors.setdefault(name, "Choose one of the options.")

    for name, limit in MAX_LENGTH.items():
        if len(values[name]) > limit:
            errors[name] = "This is too long."
    need("full_name", "birth_date", "sex", "personal_id", "phone", "permanent_residence")
    need("province", "commune", "street", "stay_from", "stay_until", "legal_basis", "household")
    choice("sex", SEXES)
    choice("legal_basis", LEGAL_BASES)
    choice("household", HOUSEHOLDS)
    locked = {n for n in prefill.fields if prefill.locked(n)} if mode == "self" else set()

    # The person.
    if (
        values["full_name"]
        and "full_name" not in locked
        and not _NAME.fullmatch(values["full_name"])
    ):
        errors.setdefault("full_name", "Write the name in letters only.")
    birth = parse_birth(values["birth_date"]) if values["birth_date"] else None
    if values["birth_date"] and "birth_date" not in locked:
        if birth is None:
            errors["birth_date"] = "Write the date of birth as DD/MM/YYYY (or MM/YYYY, YYYY)."
        elif date(birth[0], birth[1] or 1, birth[2] or 1) > today:
            errors["birth_date"] = "The date of birth cannot be in the future."
    if values["personal_id"] and "personal_id" not in locked:
        problem = personal_id_error(
            values["personal_id"],
            sex=values["sex"] if values["sex"] in SEXES else None,
            birth_year=birth[0] if birth else None,
        )
        if problem:
            errors.setdefault("personal_id", problem)
    phone = values["phone"].replace(" ", "").replace(".", "")
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    values["phone"] = phone
    if phone and not _PHONE.fullmatch(phone):
        errors.setdefault("phone", "A phone number has 10 digits and starts with 0.")
    if values["email"] and not _EMAIL.fullmatch(values["email"]):
        errors.setdefault("email", "This is not an e-mail address.")

    # Who declares.
    declarant_name, declarant_pid = values["full_name"], values["personal_id"]
    if mode == "other":
        need("relation_to_person")
        choice("relation_to_person", RELATIONS_TO_PERSON)
        declarant_name = prefill.values.get("full_name", "")
        declarant_pid = prefill.values.get("personal_id", "")
        if not (declarant_name and declarant_pid):
            errors["mode"] = "Your sign-in did not give your name and personal ID."
        if values["personal_id"] and values["personal_id"] == declarant_pid:
            errors.setdefault("personal_id", "This is your own personal ID.")
        if (
            values["relation_to_person"] in ("father", "mother")
            and birth
            and youngest_age(birth, today) >= 18
        ):
            errors.setdefault(
                "relation_to_person",
                "Parents declare for children under 18; an adult declares for themselves.",
            )

    # The new place.
    commune = places.commune(values["commune"]) if values["commune"] else None
    if values["province"] and values["province"] not in places.provinces():
        errors.setdefault("province", "Choose one of the options.")
    if values["commune"] and (commune is None or commune.province_code != values["province"]):
        errors.setdefault("commune", "Choose a commune of the chosen province.")
    if (
        commune is not None
        and mode == "self"
        and prefill.permanent_commune
        and commune.code == prefill.permanent_commune
    ):
        errors.setdefault(
            "commune",
            "This is the commune of your permanent residence: a temporary residence is "
            "registered only outside it.",
        )

    # The period of stay.
    stay_from = parse_date(values["stay_from"]) if values["stay_from"] else None
    stay_until = parse_date(values["stay_until"]) if values["stay_until"] else None
    if values["stay_from"] and stay_from is None:
        errors["stay_from"] = "This is not a date."
    if values["stay_until"] and stay_until is None:
        errors["stay_until"] = "This is not a date."
    if stay_from and stay_from > today + timedelta(days=MAX_DAYS_AHEAD):
        errors.setdefault("stay_from", "The stay must begin within the next 30 days.")
    if stay_from and stay_until:
        if stay_until <= today:
            errors.setdefault("stay_until", "The stay must end after today.")
        elif (stay_until - stay_from).days < MIN_STAY_DAYS:
            errors.setdefault(
                "stay_until",
                "A temporary residence is registered for a stay of 30 days or more; for a "
                "shorter stay the host gives a stay notice (thông báo lưu trú).",
            )
        elif stay_until > add_years(stay_from, MAX_STAY_YEARS):
            errors.setdefault(
                "stay_until", "A temporary residence lasts at most 2 years; renew it later."
            )

    # The legal basis for the place.
    contract_date = contract_until = None
    if values["legal_basis"] in ("consent", "rental"):
        need("owner_name", "owner_personal_id")
        if values["owner_personal_id"]:
            problem = personal_id_error(values["owner_personal_id"])
            if problem:
                errors.setdefault("owner_personal_id", problem)
    if values["legal_basis"] == "rental":
        need("contract_date")
        contract_date = parse_date(values["contract_date"]) if values["contract_date"] else None
        if values["contract_date"] and (contract_date is None or contract_date > today):
            errors.setdefault("contract_date", "Give the date the contract was signed.")
        if values["contract_until"]:
            contract_until = parse_date(values["contract_until"])
            if contract_until is None:
                errors["contract_until"] = "This is not a date."
            elif stay_until and stay_until > contract_until:
                errors.setdefault(
                    "stay_until", "The stay cannot last longer than the rental contract."
                )

    # The household at the new place.
    if values["household"] == "join":
        need("head_name", "head_personal_id", "relation_to_head")
        choice("relation_to_head", RELATIONS_TO_HEAD)
        if values["head_personal_id"]:
            problem = personal_id_error(values["head_personal_id"])
            if problem:
                errors.setdefault("head_personal_id", problem)
            elif values["head_personal_id"] == values["personal_id"]:
                errors.setdefault(
                    "head_personal_id", "To be the head yourself, choose a new household."
                )

    if form.get("pledge") != "yes":
        errors["pledge"] = "Confirm that the declaration is true."
    else:
        values["pledge"] = "yes"
    if errors:
        return Checked(values, errors)
    assert commune is not None and stay_from is not None and stay_until is not None
    shown = prefill.fields if mode == "self" else prefill.fields & {"phone", "email"}
    declaration = Declaration(
        mode=mode,
        relation_to_person=values["relation_to_person"] if mode == "other" else "",
        declarant_name=declarant_name,
        declarant_personal_id=declarant_pid,
        full_name=values["full_name"],
        birth_date=values["birth_date"],
        sex=values["sex"],
        personal_id=values["personal_id"],
        phone=values["phone"],
        email=values["email"],
        permanent_residence=values["permanent_residence"],
        commune_code=commune.code,
        street=values["street"],
        stay_from=stay_from,
        stay_until=stay_until,
        legal_basis=values["legal_basis"],
        owner_name=values["owner_name"] if values["legal_basis"] != "own" else "",
        owner_personal_id=values["owner_personal_id"] if values["legal_basis"] != "own" else "",
        contract_date=contract_date,
        contract_until=contract_until,
        document_ref=values["document_ref"],
        household=values["household"],
        head_name=values["head_name"] if values["household"] == "join" else "",
        head_personal_id=values["head_personal_id"] if values["household"] == "join" else "",
        relation_to_head=values["relation_to_head"] if values["household"] == "join" else "",
        notes=values["notes"],
        # A field counts as filled from the e-ID only if the value filed is the one released.
        prefilled=tuple(sorted(n for n in shown if values.get(n) == prefill.values[n])),
    )
    return Checked(values, errors, declaration)
