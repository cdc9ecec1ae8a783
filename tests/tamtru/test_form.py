"""The declaration's rules (Law on Residence 2020, Art. 27–28)."""

from __future__ import annotations

from datetime import date

import pytest

from tamtru.form import REQUIRED, validate
from tamtru.prefill import from_claims
from tamtru.rules import add_years, parse_birth, personal_id_error, youngest_age
from tests.tamtru.conftest import CLAIMS

TODAY = date(2025, 9, 15)
FILLED = from_claims(CLAIMS)


def posted(**changes: str) -> dict[str, str]:
    """A complete, valid self-declaration: a move from Hoàn Kiếm to Ba Đình for a year."""
    form = {
        "mode": "self",
        **FILLED.values,
        "province": "01",
        "commune": "00004",
        "street": "Số 12, ngõ 5, phố Đội Cấn",
        "stay_from": "2025-09-15",
        "stay_until": "2026-09-14",
        "legal_basis": "rental",
        "owner_name": "Trần Văn Bình",
        "owner_personal_id": "001075001234",
        "contract_date": "2025-09-01",
        "contract_until": "2026-12-31",
        "document_ref": "HĐ 12/2025",
        "household": "join",
        "head_name": "Trần Văn Bình",
        "head_personal_id": "001075001234",
        "relation_to_head": "lodger",
        "notes": "",
        "pledge": "yes",
    }
    form.update(changes)
    return form


def check(**changes: str):
    return validate(posted(**changes), prefill=FILLED, today=TODAY)


def test_a_complete_declaration_is_accepted_with_its_prefilled_fields() -> None:
    checked = check()
    assert checked.errors == {}
    d = checked.declaration
    assert d is not None
    assert d.declarant_personal_id == "001190012345"
    assert d.commune.police == "Công an phường Ba Đình, Thành phố Hà Nội"
    assert set(d.prefilled) == {
        "full_name",
        "birth_date",
        "sex",
        "personal_id",
        "permanent_residence",
        "phone",
        "email",
    }
    record = d.record()
    assert record["temporary_address"] == (
        "Số 12, ngõ 5, phố Đội Cấn, Phường Ba Đình, Thành phố Hà Nội"
    )
    assert record["stay_until"] == "2026-09-14"
    assert record["authority"] == "Công an phường Ba Đình, Thành phố Hà Nội"


def test_verified_identity_cannot_be_changed_by_posting_other_values() -> None:
    checked = check(full_name="Someone Else", personal_id="079090000001", sex="male")
    assert checked.declaration is not None
    assert checked.declaration.full_name == "Nguyễn Thị Minh Anh"
    assert checked.declaration.personal_id == "001190012345"
    assert checked.declaration.sex == "female"


def test_an_edited_contact_detail_no_longer_counts_as_prefilled() -> None:
    checked = check(phone="0987654321")
    assert checked.declaration is not None
    assert checked.declaration.phone == "0987654321"
    assert "phone" not in checked.declaration.prefilled


def test_missing_answers_are_each_named() -> None:
    checked = check(street="", stay_until="", legal_basis="", household="", pledge="")
    assert checked.declaration is None
    assert checked.errors["street"] == REQUIRED
    assert checked.errors["stay_until"] == REQUIRED
    assert checked.errors["legal_basis"] == REQUIRED
    assert checked.errors["household"] == REQUIRED
    assert checked.errors["pledge"] == "Confirm that the declaration is true."


def test_no_temporary_residence_in_the_commune_of_permanent_residence() -> None:
    checked = check(commune="00070")
    assert "permanent residence" in checked.errors["commune"]


def test_the_commune_must_belong_to_the_province() -> None:
    assert "commune" in check(province="79").errors
    assert "commune" in check(commune="99999").errors
    assert "province" in check(province="00").errors


@pytest.mark.parametrize(
    ("stay_from", "stay_until", "problem"),
    [
        ("2025-09-15", "2025-10-14", "30 days or more"),
        ("2025-09-15", "2025-10-15", None),
        ("2025-09-15", "2027-09-15", None),
        ("2025-09-15", "2027-09-16", "at most 2 years"),
        ("2025-11-01", "2026-11-01", "within the next 30 days"),
        ("2023-01-01", "2025-09-15", "after today"),
        ("15/09/2025", "14/09/2026", None),
        ("2025-02-30", "2026-01-01", "not a date"),
    ],
)
def test_the_period_of_stay(stay_from: str, stay_until: str, problem: str | None) -> None:
    errors = check(stay_from=stay_from, stay_until=stay_until, contract_until="").errors
    found = errors.get("stay_from", "") + errors.get("stay_until", "")
    if problem is None:
        assert not found
    else:
        assert problem in found


def test_a_rental_needs_the_landlord_and_the_contract_and_bounds_the_stay() -> None:
    errors = check(owner_name="", owner_personal_id="", contract_date="").errors
    assert {"owner_name", "owner_personal_id", "contract_date"} <= errors.keys()
    errors = check(contract_until="2026-03-01").errors
    assert errors["stay_until"] == "The stay cannot last longer than the rental contract."


def test_an_own_place_needs_no_owner_and_keeps_none() -> None:
    checked = check(legal_basis="own", owner_name="", owner_personal_id="", contract_date="")
    assert checked.declaration is not None
    assert checked.declaration.owner_name == ""
    assert checked.declaration.contract_date is None


def test_joining_a_household_names_its_head() -> None:
    errors = check(head_name="", head_personal_id="", relation_to_head="").errors
    assert {"head_name", "head_personal_id", "relation_to_head"} <= errors.keys()
    assert "head_personal_id" in check(head_personal_id="001190012345").errors
    checked = check(household="new", head_name="", head_personal_id="", relation_to_head="")
    assert checked.declaration is not None
    assert checked.declaration.head_name == ""


def test_contact_details_are_checked() -> None:
    assert "phone" in check(phone="12345").errors
    assert check(phone="+84 912 345 678").declaration.phone == "0912345678"
    assert "email" in check(email="not-an-address").errors
    assert check(email="").errors == {}


def test_length_limits() -> None:
    assert check(notes="x" * 1001).errors["notes"] == "This is too long."
    assert check(street="x" * 201).errors["street"] == "This is too long."


def test_a_parent_declares_for_a_minor_and_types_the_childs_details() -> None:
    child = {
        "mode": "other",
        "relation_to_person": "mother",
        "full_name": "Lê Minh Khôi",
        "birth_date": "03/2015",
        "sex": "male",
        "personal_id": "001215004321",
        "permanent_residence": "Số 5 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
        # The child lives in the same commune as the mother here: no own-commune check.
        "commune": "00070",
    }
    checked = check(**child)
    assert checked.errors == {}
    d = checked.declaration
    assert d.declarant_name == "Nguyễn Thị Minh Anh"
    assert d.declarant_personal_id == "001190012345"
    assert d.full_name == "Lê Minh Khôi"
    assert set(d.prefilled) == {"phone", "email"}


def test_declaring_for_someone_else_is_checked() -> None:
    adult = {
        "mode": "other",
        "relation_to_person": "father",
        "full_name": "Lê Văn Tài",
        "birth_date": "1980",
        "sex": "male",
        "personal_id": "001080004321",
    }
    assert "under 18" in check(**adult).errors["relation_to_person"]
    assert check(**{**adult, "relation_to_person": "guardian"}).errors == {}
    own = check(**{**adult, "personal_id": "001190012345", "sex": "female", "birth_date": "1990"})
    assert own.errors["personal_id"] == "This is your own personal ID."
    assert "relation_to_person" in check(**{**adult, "relation_to_person": ""}).errors


@pytest.mark.parametrize(
    ("pid", "sex", "year", "problem"),
    [
        ("001190012345", "female", 1990, None),
        ("079203000001", "male", 2003, None),
        ("00119001234", None, None, "12 digits"),
        ("003190012345", None, None, "province code"),
        ("001190012345", "male", None, "sex"),
        ("001190012345", "female", 2090, "year of birth"),
    ],
)
def test_personal_ids(pid: str, sex: str | None, year: int | None, problem: str | None) -> None:
    found = personal_id_error(pid, sex=sex, birth_year=year)
    assert (found is None) if problem is None else (problem in found)


def test_typed_identity_of_someone_else_is_checked_against_the_personal_id() -> None:
    errors = check(
        mode="other",
        relation_to_person="guardian",
        full_name="Lê Văn Tài",
        birth_date="12/1999",
        sex="male",
        personal_id="001080004321",
    ).errors
    assert errors["personal_id"] == "This personal ID does not match the year of birth."


def test_dates_of_birth() -> None:
    assert parse_birth("17/05/1990") == (1990, 5, 17)
    assert parse_birth("05/1990") == (1990, 5, None)
    assert parse_birth("1990") == (1990, None, None)
    assert parse_birth("31/02/1990") is None
    assert parse_birth("1990-05-17") is None
    assert youngest_age((2007, None, None), TODAY) == 17  # may be born on 31/12/2007
    assert youngest_age((2007, 9, 15), TODAY) == 18
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
