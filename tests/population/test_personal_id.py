"""Tests for the 12-digit personal ID."""

from __future__ import annotations

import csv
import random
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dinhdanh.population.personal_id import (
    LEGACY_PROVINCE_CODES,
    InvalidPersonalId,
    PersonalIdInfo,
    century_sex_digit,
    decode,
    generate,
    legacy_provinces,
    mask,
    validate,
)

CURRENT_CODES = {
    "01", "04", "08", "11", "12", "14", "15", "19", "20", "22", "24", "25", "31", "33", "37",
    "38", "40", "42", "44", "46", "48", "51", "52", "56", "66", "68", "75", "79", "80", "82",
    "86", "91", "92", "96",
}  # fmt: skip

provinces = st.sampled_from(sorted(LEGACY_PROVINCE_CODES))
sexes = st.sampled_from(["M", "F"])
years = st.integers(min_value=1900, max_value=2399)
unknown_provinces = (
    st.integers(min_value=0, max_value=999)
    .map(lambda n: f"{n:03d}")
    .filter(lambda c: c not in LEGACY_PROVINCE_CODES)
)


def test_63_legacy_provinces() -> None:
    assert len(LEGACY_PROVINCE_CODES) == 63
    assert {"001", "002", "079", "096", "046", "077"} <= LEGACY_PROVINCE_CODES
    assert not {"000", "003", "097", "100"} & LEGACY_PROVINCE_CODES


def test_merge_mapping_targets_the_34_current_provinces() -> None:
    table = legacy_provinces()
    assert {p.new_code for p in table.values()} == CURRENT_CODES
    # Each current province kept the code of one of its predecessors.
    for code in CURRENT_CODES:
        assert table["0" + code].new_code == code
    assert table["002"].new_code == "08"  # Hà Giang → Tuyên Quang
    assert table["006"].new_code == "19"  # Bắc Kạn → Thái Nguyên
    assert table["015"].new_code == "15"  # Yên Bái → Lào Cai
    assert table["074"].new_code == "79"  # Bình Dương → TP Hồ Chí Minh
    assert table["062"].new_code == "51"  # Kon Tum → Quảng Ngãi
    assert table["079"].name == "Hồ Chí Minh"


def test_reference_csvs_have_expected_rows() -> None:
    data = resources.files("dinhdanh.data")
    eth = list(csv.DictReader(data.joinpath("ethnicities.csv").open(encoding="utf-8")))
    rel = list(csv.DictReader(data.joinpath("religions.csv").open(encoding="utf-8")))
    assert [r["code"] for r in eth] == [f"{i:02d}" for i in range(1, 55)]
    assert [r["code"] for r in rel] == [f"{i:02d}" for i in range(1, 15)]
    assert eth[0]["name"] == "Kinh" and eth[53]["name"] == "Rơ Măm"
    assert rel[11]["name"] == "Baha'i"
    assert "Không" not in {r["name"] for r in rel}


@pytest.mark.parametrize(
    ("year", "sex", "digit"),
    [
        (1900, "M", "0"), (1999, "F", "1"), (2000, "M", "2"), (2099, "F", "3"),
        (2100, "M", "4"), (2150, "F", "5"), (2200, "M", "6"), (2299, "F", "7"),
        (2300, "M", "8"), (2399, "F", "9"),
    ],
)  # fmt: skip
def test_century_sex_digit(year: int, sex: str, digit: str) -> None:
    assert century_sex_digit(year, sex) == digit


@pytest.mark.parametrize(("year", "sex"), [(1899, "M"), (2400, "F"), (2000, "X"), (2000, "m")])
def test_century_sex_digit_refuses(year: int, sex: str) -> None:
    with pytest.raises(ValueError):
        century_sex_digit(year, sex)


def test_decode_example() -> None:
    assert decode("079203012345") == PersonalIdInfo("079", "M", 2003, "012345")
    assert decode("001185999999") == PersonalIdInfo("001", "F", 1985, "999999")


@given(provinces, sexes, years, st.integers(min_value=0, max_value=2**32))
def test_generated_ids_round_trip(province: str, sex: str, year: int, seed: int) -> None:
    pid = generate(province, sex, year, random.Random(seed))
    assert len(pid) == 12 and pid.isascii() and pid.isdigit()
    info = validate(pid, sex=sex, birth_year=year)
    assert (info.province_code, info.sex, info.birth_year) == (province, sex, year)
    assert pid.endswith(info.serial) and len(info.serial) == 6


def test_generate_is_reproducible() -> None:
    a = generate("079", "F", 1990, random.Random(7))
    b = generate("079", "F", 1990, random.Random(7))
    assert a == b


def test_generate_refuses_unknown_province() -> None:
    with pytest.raises(ValueError):
        generate("003", "M", 2000, random.Random(1))
    with pytest.raises(ValueError):
        generate("79", "M", 2000, random.Random(1))


@given(st.text())
def test_non_12_digit_strings_refused_with_format(text: str) -> None:
    if len(text) == 12 and all(c in "0123456789" for c in text):
        return
    with pytest.raises(InvalidPersonalId) as exc:
        decode(text)
    assert exc.value.reason == "format"


@pytest.mark.parametrize(
    "bad",
    [
        "", "07920301234", "0792030123456", "07920301234a", " 079203012345",
        "079203012345\n", "079 03012345", "０７９２０３０１２３４５",  # full-width digits
        "٠٧٩٢٠٣٠١٢٣٤٥",  # Arabic-Indic digits
        "079203012³45",
    ],
)  # fmt: skip
def test_format_refusals(bad: str) -> None:
    with pytest.raises(InvalidPersonalId) as exc:
        decode(bad)
    assert exc.value.reason == "format"
    assert isinstance(exc.value, ValueError)


def test_non_string_refused_with_format() -> None:
    with pytest.raises(InvalidPersonalId) as exc:
        decode(79203012345)  # type: ignore[arg-type]
    assert exc.value.reason == "format"


@given(unknown_provinces, st.integers(min_value=0, max_value=999_999_999))
def test_unknown_province_refused(province: str, rest: int) -> None:
    with pytest.raises(InvalidPersonalId) as exc:
        decode(f"{province}{rest:09d}")
    assert exc.value.reason == "province"


@given(provinces, sexes, years, st.integers(min_value=0, max_value=2**32))
def test_sex_mismatch_refused(province: str, sex: str, year: int, seed: int) -> None:
    pid = generate(province, sex, year, random.Random(seed))
    other = "F" if sex == "M" else "M"
    with pytest.raises(InvalidPersonalId) as exc:
        validate(pid, sex=other)
    assert exc.value.reason == "sex_mismatch"


@given(
    provinces,
    sexes,
    years,
    st.integers(min_value=1, max_value=499),
    st.integers(min_value=0, max_value=2**32),
)
def test_year_or_century_mismatch_refused(
    province: str, sex: str, year: int, delta: int, seed: int
) -> None:
    pid = generate(province, sex, year, random.Random(seed))
    with pytest.raises(InvalidPersonalId) as exc:
        validate(pid, birth_year=year + delta)
    assert exc.value.reason == "year_mismatch"


def test_century_mismatch_example() -> None:
    # Digit 0 = male born in the 1900s; a 2003 birth year must be refused.
    with pytest.raises(InvalidPersonalId) as exc:
        validate("079003012345", birth_year=2003)
    assert exc.value.reason == "year_mismatch"
    assert validate("079003012345", sex="M", birth_year=1903).birth_year == 1903


def test_validate_refuses_bad_sex_argument() -> None:
    with pytest.raises(ValueError):
        validate("079203012345", sex="male")


def test_mask() -> None:
    assert mask("079203012345") == "079******345"
    with pytest.raises(InvalidPersonalId):
        mask("12345")


@given(provinces, sexes, years, st.integers(min_value=0, max_value=2**32))
def test_mask_hides_the_middle(province: str, sex: str, year: int, seed: int) -> None:
    pid = generate(province, sex, year, random.Random(seed))
    masked = mask(pid)
    assert len(masked) == 12
    assert masked[:3] == pid[:3] and masked[-3:] == pid[-3:] and masked[3:9] == "******"
