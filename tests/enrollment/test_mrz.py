"""The card's MRZ against ICAO Doc 9303: the check-digit rule on the specification's own
worked examples and specimens, the Vietnamese TD1 layout, names, and a property: a
single-character change in a checked field never goes unnoticed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dinhdanh.enrollment import mrz
from dinhdanh.enrollment.mrz import MrzError, build_td1, check_digit, name_field, parse_td1

# 9303 Part 5 (TD1) specimen, Anna Maria Eriksson of Utopia.
TD1_SPECIMEN = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
# 9303 Part 4 (TD3, passport) specimen, line 2.
TD3_LINE_2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"


def value(ch: str) -> int:
    """9303 Part 3, 4.9: digits are their value, A-Z are 10-35, the filler is 0."""
    return 0 if ch == "<" else int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


@pytest.mark.parametrize(
    ("data", "digit"),
    [
        ("520727", "3"),  # Part 3, 4.9.2: the worked example of a date
        ("AB2134<<<", "5"),  # Part 3, 4.9.2: the worked example of a document number
        ("D23145890", "7"),  # TD1 specimen: document number
        ("740812", "2"),  # TD1 and TD3 specimens: date of birth
        ("120415", "9"),  # TD1 and TD3 specimens: date of expiry
        ("L898902C3", "6"),  # TD3 specimen: document number
        ("ZE184226B<<<<<", "1"),  # TD3 specimen: personal number
        ("", "0"),
    ],
)
def test_check_digit_on_the_specification_examples(data, digit):
    assert check_digit(data) == digit


def test_td3_composite_check_digit_of_the_specimen():
    line = TD3_LINE_2
    assert check_digit(line[0:10] + line[13:20] + line[21:43]) == line[43] == "0"


def test_check_digit_refuses_characters_outside_the_mrz_alphabet():
    with pytest.raises(MrzError):
        check_digit("ab12")


def test_the_td1_specimen_is_read_and_its_digits_accepted():
    td1 = parse_td1("\n".join(TD1_SPECIMEN))
    assert (td1.document_code, td1.issuing_state, td1.document_number) == ("I<", "UTO", "D23145890")
    assert (td1.birth(), td1.sex, td1.expiry()) == (dt.date(1974, 8, 12), "F", dt.date(2012, 4, 15))
    assert td1.nationality == "UTO"
    assert (td1.primary_identifier, td1.secondary_identifier) == ("ERIKSSON", "ANNA MARIA")
    assert td1.personal_id is None
    # the same 90 characters in one piece, or with Windows line ends and spaces around
    assert parse_td1("".join(TD1_SPECIMEN)) == td1
    assert parse_td1("  " + "\r\n".join(TD1_SPECIMEN) + "\r\n") == td1


@pytest.mark.parametrize(
    ("line", "position", "field"),
    [
        (0, 14, "document_number"),
        (1, 6, "birth_date"),
        (1, 14, "expiry_date"),
        (1, 29, "composite"),
    ],
)
def test_each_wrong_check_digit_of_the_specimen_is_named(line, position, field):
    lines = list(TD1_SPECIMEN)
    wrong = str((int(lines[line][position]) + 1) % 10)
    lines[line] = lines[line][:position] + wrong + lines[line][position + 1 :]
    with pytest.raises(MrzError) as caught:
        parse_td1("\n".join(lines))
    assert caught.value.field == field


TD1_FIELDS = (
    "personal_id", "birth_date", "sex", "expiry", "family_name", "middle_name", "given_name",
)  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "lines"),
    [
        # Check digits worked by hand with weights 7, 3, 1: 090123456 → 92 → 2,
        # 001090123456 → 93 → 3, 900517 → 108 → 8, 300517 → 66 → 6.
        (
            (
                "001090123456",
                dt.date(1990, 5, 17),
                "M",
                dt.date(2030, 5, 17),
                "Nguyễn",
                "Văn",
                "An",
            ),
            (
                "IDVNM0901234562001090123456<<3",
                "9005178M3005176VNM<<<<<<<<<<<6",
                "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<",
            ),
        ),
        # A card without expiry carries 991231.
        (
            ("079184000321", dt.date(1984, 2, 29), "F", None, "Đặng", "Thị Thuỷ", "Hoà"),
            (
                "IDVNM1840003213079184000321<<3",
                "8402297F9912315VNM<<<<<<<<<<<8",
                "DANG<<THI<THUY<HOA<<<<<<<<<<<<",
            ),
        ),
    ],
    ids=["full-date-and-expiry", "no-expiry"],
)
def test_a_vietnamese_card_follows_the_national_layout(fields, lines):
    person = dict(zip(TD1_FIELDS, fields, strict=True))
    assert build_td1(**person) == lines
    td1 = parse_td1("\n".join(lines))
    assert td1.personal_id == person["personal_id"]
    assert td1.document_number == person["personal_id"][3:]
    assert (td1.birth(), td1.expiry()) == (person["birth_date"], person["expiry"])


def test_the_birth_century_comes_from_the_personal_id():
    lines = build_td1(
        personal_id="001212345678",  # century digit 2: born in the 2000s
        birth_date=dt.date(2012, 1, 2),
        sex="M",
        expiry=dt.date(2026, 1, 2),
        family_name="Lê",
        middle_name="",
        given_name="Minh",
    )
    assert parse_td1("\n".join(lines)).birth() == dt.date(2012, 1, 2)


def test_a_vietnamese_card_whose_number_is_not_the_personal_ids_tail_is_refused():
    number = "090123457"
    line1 = f"IDVNM{number}{check_digit(number)}001090123456<<3"
    line2 = "9005178M3005176VNM<<<<<<<<<<<"
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    with pytest.raises(MrzError) as caught:
        parse_td1("\n".join([line1, line2, "NGUYEN<<VAN<AN".ljust(30, "<")]))
    assert caught.value.field == "document_number"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "IDVNM0901234562001090123456<<3\n9005178M3005176VNM<<<<<<<<<<<6",
        "IDVNM0901234562001090123456<<3\n9005178M3005176VNM<<<<<<<<<<<6\nnguyen<<van<an<<<<<<<<<<<<<<<<",
        "IDVNM0901234562001090123456<<\n9005178M3005176VNM<<<<<<<<<<<6\nNGUYEN<<VAN<AN<<<<<<<<<<<<<<<<",
    ],
)
def test_text_that_is_not_three_lines_of_thirty_mrz_characters_is_refused(text):
    with pytest.raises(MrzError) as caught:
        parse_td1(text)
    assert caught.value.field == "format"


@pytest.mark.parametrize(
    ("family", "middle", "given", "field"),
    [
        ("Nguyễn", "Văn", "An", "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<"),
        ("Đỗ", "", "Đức", "DO<<DUC<<<<<<<<<<<<<<<<<<<<<<<"),
        ("", "", "Bình", "BINH<<<<<<<<<<<<<<<<<<<<<<<<<<"),  # one word: the primary identifier
        ("Y", "", "Niê-Kđăm", "Y<<NIE<KDAM<<<<<<<<<<<<<<<<<<<"),  # hyphen → filler
        ("O'Neil", "", "Sean", "ONEIL<<SEAN<<<<<<<<<<<<<<<<<<<"),  # apostrophe left out
        # too long: cut at 30, the field ending with a letter
        ("Tôn Nữ", "Hoàng Thị Bích Ngọc", "Ánh", "TON<NU<<HOANG<THI<BICH<NGOC<AN"),
        # the cut falls on a separator: the next name keeps its initial
        ("Nguyễn", "Thị Minh Khai Nghiêng", "Xuân", "NGUYEN<<THI<MINH<KHAI<NGHIEN<X"),
    ],
)
def test_name_field(family, middle, given, field):
    assert name_field(family, middle, given) == field.ljust(30, "<")


def test_a_family_name_too_long_leaves_room_for_the_given_names_initial():
    field = name_field("Abcdefghijklmnopqrstuvwxyzabcdefgh", "", "Lan")
    assert field == "ABCDEFGHIJKLMNOPQRSTUVWXYZA<<L"


def test_a_name_in_another_script_cannot_be_written():
    with pytest.raises(MrzError) as caught:
        name_field("Иванов", "", "Иван")
    assert caught.value.field == "name"


# --- properties -------------------------------------------------------------------------


@given(st.text(ALPHABET, min_size=1, max_size=30), st.data())
def test_any_substitution_that_changes_the_value_mod_10_changes_the_check_digit(data, draw):
    """Weights 7, 3 and 1 are prime to 10: a change of value d at any position moves the
    sum by w·d, which is 0 mod 10 only when d is."""
    position = draw.draw(st.integers(0, len(data) - 1))
    new = draw.draw(
        st.sampled_from(ALPHABET).filter(lambda c: (value(c) - value(data[position])) % 10)
    )
    changed = data[:position] + new + data[position + 1 :]
    assert check_digit(changed) != check_digit(data)


PROVINCES = ("001", "031", "048", "079", "092")


@st.composite
def vietnamese_cards(draw: st.DrawFn) -> tuple[str, str, str]:
    birth = draw(st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)))
    sex = draw(st.sampled_from("MF"))
    century_digit = 2 * ((birth.year - 1900) // 100) + (sex == "F")
    serial = draw(st.integers(0, 999_999))
    pid = f"{draw(st.sampled_from(PROVINCES))}{century_digit}{birth.year % 100:02d}{serial:06d}"
    expiry = draw(st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2098, 12, 31)))
    return build_td1(
        personal_id=pid,
        birth_date=birth,
        sex=sex,
        expiry=expiry,
        family_name="Trần",
        middle_name="Thị",
        given_name="Mai",
    )


# Checked fields of a Vietnamese TD1 (line, first position, last position) and the check
# that covers them: the document number, the personal ID in the optional data, the dates,
# each with its check digit, and the composite digit itself.
CHECKED = (
    (0, 5, 14, "document_number"),
    (0, 15, 29, "personal_id"),
    (1, 0, 6, "birth_date"),
    (1, 8, 14, "expiry_date"),
    (1, 29, 29, "composite"),
)


@given(vietnamese_cards(), st.data())
def test_any_single_character_change_in_a_checked_field_is_detected(lines, draw):
    assert parse_td1("\n".join(lines)).lines == lines
    line, first, last, field = draw.draw(st.sampled_from(CHECKED))
    position = draw.draw(st.integers(first, last))
    original = lines[line][position]
    new = draw.draw(st.sampled_from(ALPHABET).filter(lambda c: c != original))
    changed = list(lines)
    changed[line] = changed[line][:position] + new + changed[line][position + 1 :]
    with pytest.raises(MrzError) as caught:
        parse_td1("\n".join(changed))
    assert caught.value.field == field


@given(
    st.lists(st.text("abcdeđĐơưÂÊ", min_size=1, max_size=12), min_size=1, max_size=3),
    st.lists(st.text("ghiklmnôà", min_size=1, max_size=12), min_size=0, max_size=5),
)
def test_a_name_field_is_always_30_mrz_characters_and_a_cut_ends_with_a_letter(family, given_):
    field = name_field(" ".join(family), "", " ".join(given_))
    assert len(field) == 30 and set(field) <= set(ALPHABET)
    whole = mrz.FILLER.join(mrz._transliterate(" ".join(family), "name").split("<"))
    if given_:
        whole += "<<" + mrz._transliterate(" ".join(given_), "name")
    if len(whole) <= 30:
        assert field == whole.ljust(30, "<")
    else:
        assert field[-1] != "<"
        assert "<<" in field if given_ else True
