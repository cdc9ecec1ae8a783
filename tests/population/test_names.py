"""Tests for Vietnamese name handling and the demo name generator."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dinhdanh.population.demo_names import NameGenerator
from dinhdanh.population.names import (
    fold,
    full_name,
    nfc,
    split_full_name,
    validate_name_part,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Thuỷ", "Thủy"),
        ("Hoà", "Hòa"),
        ("Khoẻ", "Khỏe"),
        ("Nguyễn  Văn   An", "nguyen van an"),
        ("ĐẶNG", "dang"),
        (unicodedata.normalize("NFD", "Trần Thị Thu Hà"), "Trần Thị Thu Hà"),
    ],
)
def test_fold_equal(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_fold_values() -> None:
    assert fold("Đặng") == "dang"
    assert fold("đỗ") == "do"
    assert fold("  Nguyễn Thị\tMinh Khai ") == "nguyen thi minh khai"
    assert fold("Thuỷ") == "thuy"
    assert fold("Ê-đê") == "e-de"


def test_fold_keeps_different_names_apart() -> None:
    assert fold("Hà") != fold("Hải")


@given(st.text())
def test_fold_is_idempotent_and_has_no_marks(text: str) -> None:
    folded = fold(text)
    assert fold(folded) == folded
    assert not any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", folded))
    assert "đ" not in folded and "Đ" not in folded


def test_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert decomposed != "Nguyễn"
    assert nfc(decomposed) == "Nguyễn"


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Nguyễn Văn An", ("Nguyễn", "Văn", "An")),
        ("Trần Thị Thu Hà", ("Trần", "Thị Thu", "Hà")),
        ("Lê Minh", ("Lê", "", "Minh")),
        ("  Phạm   Ngọc  Bảo  Anh ", ("Phạm", "Ngọc Bảo", "Anh")),
        ("Mai", ("", "", "Mai")),
    ],
)
def test_split_full_name(full: str, parts: tuple[str, str, str]) -> None:
    assert split_full_name(full) == parts


def test_split_full_name_empty() -> None:
    with pytest.raises(ValueError):
        split_full_name("   ")


def test_full_name() -> None:
    assert full_name("Nguyễn", "Văn", "An") == "Nguyễn Văn An"
    assert full_name("Lê", "", "Minh") == "Lê Minh"
    assert full_name("Trần", " Thị  Thu ", "Hà") == "Trần Thị Thu Hà"
    nfd = unicodedata.normalize("NFD", "Nguyễn")
    assert full_name(nfd, "", "An") == "Nguyễn An"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Nguyễn", "Nguyễn"),
        ("  Thị   Thu ", "Thị Thu"),
        ("Ê-đê", "Ê-đê"),
        ("O'Brien", "O'Brien"),
        ("D’Arcy", "D’Arcy"),
        (unicodedata.normalize("NFD", "Thủy"), "Thủy"),
    ],
)
def test_validate_name_part_accepts(raw: str, clean: str) -> None:
    assert validate_name_part(raw, required=True) == clean


@pytest.mark.parametrize(
    "bad",
    [
        "<script>alert(1)</script>",
        "'; DROP TABLE citizens; --",
        "Robert'); DROP TABLE students;--",
        "An1",
        "Nguyễn\x00",
        "Lê\nVăn",
        "Hà\u200b",  # zero-width space
        "Трần",  # Cyrillic look-alikes
        "李",
        "a" * 51,
        "An_",
        "-An",
        "An-",
        "a@b",
        "&amp;",
    ],
)
def test_validate_name_part_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        validate_name_part(bad, required=True)


def test_validate_name_part_messages() -> None:
    with pytest.raises(ValueError, match="invalid character"):
        validate_name_part("<script>", required=True)
    with pytest.raises(ValueError, match="digit"):
        validate_name_part("Hà 2", required=True)
    with pytest.raises(ValueError, match="control"):
        validate_name_part("Hà\x07", required=True)
    with pytest.raises(ValueError, match="longer than 50"):
        validate_name_part("a" * 51, required=True)
    with pytest.raises(ValueError, match="middle name"):
        validate_name_part("1", required=True, label="middle name")


def test_validate_name_part_required() -> None:
    assert validate_name_part("", required=False) == ""
    assert validate_name_part("   ", required=False) == ""
    with pytest.raises(ValueError, match="required"):
        validate_name_part("  ", required=True)


def test_validate_name_part_length_limit_is_inclusive() -> None:
    assert validate_name_part("a" * 50, required=True) == "a" * 50


def test_name_generator_is_reproducible_and_valid() -> None:
    a = NameGenerator(random.Random(42))
    b = NameGenerator(random.Random(42))
    people_a = [a.person("M" if i % 2 else "F") for i in range(200)]
    people_b = [b.person("M" if i % 2 else "F") for i in range(200)]
    assert people_a == people_b
    for family, middle, given_name in people_a:
        assert validate_name_part(family, required=True) == family
        assert validate_name_part(middle, required=False) == middle
        assert validate_name_part(given_name, required=True) == given_name
        assert " " not in given_name
        assert split_full_name(full_name(family, middle, given_name))[0] == family


def test_name_generator_frequencies_and_sex() -> None:
    gen = NameGenerator(random.Random(1))
    women = [gen.person("F") for _ in range(3000)]
    men = [gen.person("M") for _ in range(3000)]
    families = Counter(p[0] for p in women + men)
    share = families["Nguyễn"] / 6000
    assert 0.33 < share < 0.44
    assert families.most_common(1)[0][0] == "Nguyễn"
    assert not any("Thị" in p[1].split() for p in men)
    assert sum("Thị" in p[1].split() for p in women) > 900
    assert sum("Văn" in p[1].split() for p in men) > 900


def test_name_generator_family_override() -> None:
    gen = NameGenerator(random.Random(3))
    for _ in range(50):
        assert gen.person("F", family="Đặng")[0] == "Đặng"


def test_name_generator_refuses_bad_sex() -> None:
    with pytest.raises(ValueError):
        NameGenerator(random.Random(0)).person("X")
