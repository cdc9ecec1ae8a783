"""From released claims to the form's fields."""

from __future__ import annotations

import pytest

from tamtru.prefill import LOCKED, birth_display, from_claims, national_phone
from tests.tamtru.conftest import CLAIMS


def test_every_claim_fills_its_field() -> None:
    filled = from_claims(CLAIMS)
    assert filled.values == {
        "full_name": "Nguyễn Thị Minh Anh",
        "birth_date": "17/05/1990",
        "sex": "female",
        "personal_id": "001190012345",
        "permanent_residence": "Số 5 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội",
        "phone": "0912345678",
        "email": "minhanh@example.vn",
    }
    assert filled.permanent_commune == "00070"
    assert filled.temporary_residence is None


def test_identity_fields_are_locked_and_contact_fields_are_not() -> None:
    filled = from_claims(CLAIMS)
    assert {n for n in filled.fields if filled.locked(n)} == set(LOCKED)
    assert not filled.locked("phone")
    assert not filled.locked("email")


def test_a_claim_not_released_fills_nothing_and_locks_nothing() -> None:
    claims = {k: v for k, v in CLAIMS.items() if k not in ("phone_number", "gender", "email")}
    filled = from_claims(claims)
    assert "phone" not in filled.fields
    assert "sex" not in filled.fields
    assert not filled.locked("sex")


@pytest.mark.parametrize(
    ("iso", "shown"),
    [
        ("1990-05-17", "17/05/1990"),
        ("1990-05", "05/1990"),
        ("1990", "1990"),
        ("0000-05-17", None),
        ("17/05/1990", None),
        ("", None),
    ],
)
def test_partial_birth_dates_are_kept_as_they_are(iso: str, shown: str | None) -> None:
    assert birth_display(iso) == shown


def test_unusable_claims_are_ignored() -> None:
    filled = from_claims(
        {
            "name": "  ",
            "gender": "other",
            "dinhdanh_personal_id": "12345",
            "dinhdanh_permanent_residence": None,
            "birthdate": "unknown",
        }
    )
    assert filled.values == {}
    assert filled.permanent_commune is None


def test_residence_without_formatted_text_is_spelt_out() -> None:
    filled = from_claims(
        {
            "dinhdanh_permanent_residence": {
                "street_address": "Thôn 3",
                "commune": "Xã Đất Mũi",
                "province": "Tỉnh Cà Mau",
                "commune_code": "32248",
            },
            "dinhdanh_temporary_residence": {"formatted": "Số 1, Phường Ba Đình, Hà Nội"},
        }
    )
    assert filled.values["permanent_residence"] == "Thôn 3, Xã Đất Mũi, Tỉnh Cà Mau"
    assert filled.temporary_residence == "Số 1, Phường Ba Đình, Hà Nội"


def test_phone_numbers_come_back_to_the_national_form() -> None:
    assert national_phone("+84912345678") == "0912345678"
    assert national_phone("0912345678") == "0912345678"
