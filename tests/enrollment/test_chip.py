"""The chip's data groups: DG1 (the MRZ), DG2 (the face), DG13 (the Vietnamese data), read
back by the code and looked into with an independent TLV reader."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from dinhdanh.enrollment import chip, mrz
from dinhdanh.enrollment.chip import ChipFormatError, VietnameseData
from tests.enrollment.helpers import AN_DETAILS, JPEG_LIKE, tiny_png, tlv

LINES = (
    "IDVNM0901234562001090123456<<3",
    "9005178M3005176VNM<<<<<<<<<<<6",
    "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<",
)
DATA = VietnameseData(
    personal_id="001090123456",
    full_name="Nguyễn Văn An",
    birth_date=dt.date(1990, 5, 17),
    sex="M",
    issue_date=dt.date(2021, 4, 1),
    expiry=dt.date(2030, 5, 17),
    identifying_marks="Nốt ruồi cách 2 cm dưới mép trái",
    **AN_DETAILS,
)


def test_dg1_wraps_the_mrz_in_5f1f_under_tag_61():
    dg1 = chip.build_dg1(LINES)
    [(tag, body)] = tlv(dg1)
    assert tag == "61"
    assert tlv(body) == [("5f1f", "".join(LINES).encode("ascii"))]
    assert chip.parse_dg1(dg1).lines == LINES
    assert chip.data_group_number(dg1) == 1


def test_dg1_whose_mrz_was_altered_fails_its_check_digit():
    altered = chip.build_dg1((LINES[0], LINES[1].replace("900517", "900518"), LINES[2]))
    with pytest.raises(mrz.MrzError) as caught:
        chip.parse_dg1(altered)
    assert caught.value.field == "birth_date"


@pytest.mark.parametrize(("image", "kind"), [(tiny_png(), "0002"), (JPEG_LIKE, "0001")])
def test_dg2_is_a_biometric_template_around_the_face_image(image, kind):
    dg2 = chip.build_dg2(image)
    [(tag, group)] = tlv(dg2)
    assert tag == "75"
    [(tag, body)] = tlv(group)
    assert tag == "7f61"
    [(count_tag, count), (info_tag, info)] = tlv(body)
    assert (count_tag, count, info_tag) == ("02", b"\x01", "7f60")
    [(header_tag, header), (data_tag, data)] = tlv(info)
    assert (header_tag, data_tag, data) == ("a1", "5f2e", image)
    assert dict((t, v.hex()) for t, v in tlv(header)) == {
        "80": "0101",  # header version
        "81": "02",  # biometric type: face
        "87": "0000",  # no registered format owner: not an ISO 19794-5 record
        "88": kind,  # JPEG or PNG, as stored
    }
    face = chip.parse_dg2(dg2)
    assert face.image == image
    assert face.media_type == ("image/png" if kind == "0002" else "image/jpeg")
    assert chip.data_group_number(dg2) == 2


def test_dg2_takes_only_jpeg_or_png():
    with pytest.raises(ChipFormatError) as caught:
        chip.build_dg2(b"GIF89a" + bytes(20))
    assert caught.value.data_group == 2


def test_dg13_round_trip():
    dg13 = chip.build_dg13(DATA)
    assert chip.parse_dg13(dg13) == DATA
    assert chip.data_group_number(dg13) == 13


def test_dg13_is_a_sequence_of_numbered_utf8_entries_under_tag_6d():
    [(tag, body)] = tlv(chip.build_dg13(replace(DATA, expiry=None)))
    assert tag == "6d"
    entries = {}
    for entry_tag, entry in tlv(body):
        assert entry_tag == "30"
        (number_tag, number), *strings = tlv(entry)
        assert number_tag == "02" and all(t == "0c" for t, _ in strings)
        entries[int.from_bytes(number, "big")] = [v.decode("utf-8") for _, v in strings]
    assert entries == {
        1: ["001090123456"],
        2: ["Nguyễn Văn An"],
        3: ["17/05/1990"],
        4: ["Nam"],
        5: ["Việt Nam"],
        6: ["Kinh"],
        7: ["Không"],
        8: ["Xã Thăng Thọ, Tỉnh Thanh Hóa"],
        9: ["12 Phố Đội Cấn, Phường Ba Đình, Hà Nội"],
        10: ["Nốt ruồi cách 2 cm dưới mép trái"],
        11: ["01/04/2021"],
        12: ["Không thời hạn"],
        13: ["Nguyễn Văn Bình", "Lê Thị Cúc"],
    }


def test_dg13_keeps_the_old_id_the_spouse_and_entries_it_does_not_know():
    data = replace(
        DATA, legacy_id="012345678", spouse_name="Phạm Thị Dung", extra=((20, ("x", "y")),)
    )
    assert chip.parse_dg13(chip.build_dg13(data)) == data


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x6d\x05\x30\x03\x02\x01", b"\x61\x00", b"\x6d\x00"],
)
def test_a_malformed_or_incomplete_dg13_is_refused(raw):
    with pytest.raises(ChipFormatError) as caught:
        chip.parse_dg13(raw)
    assert caught.value.data_group == 13


def test_the_data_group_of_a_file_comes_from_its_first_tag():
    assert chip.data_group_number(b"\x77\x00") is None  # the SOD is not a data group
    assert chip.data_group_number(b"") is None
