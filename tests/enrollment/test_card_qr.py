"""The card's QR text in the national 7-field format, and the QR code drawn from it, read
back by a real decoder (zxing-cpp)."""

from __future__ import annotations

import datetime as dt
import struct
import unicodedata
import xml.etree.ElementTree as ET
import zlib
from dataclasses import replace

import numpy as np
import pytest
import zxingcpp

from dinhdanh.enrollment.card_qr import (
    CardQr,
    CardQrError,
    build_qr_text,
    parse_qr_text,
    qr_png,
    qr_svg,
)

CARD = CardQr(
    personal_id="001190123456",
    legacy_id="",
    full_name="Nguyễn Thị Đào",
    birth_date=dt.date(1990, 5, 17),
    sex="F",
    residence="Số 12, Phố Đội Cấn, Phường Ba Đình, Hà Nội",
    issue_date=dt.date(2024, 7, 3),
)
TEXT = (
    "001190123456||Nguyễn Thị Đào|17051990|Nữ|Số 12, Phố Đội Cấn, Phường Ba Đình, Hà Nội|03072024"
)


def test_the_text_has_seven_fields_and_an_empty_old_id_makes_two_bars():
    assert build_qr_text(CARD) == TEXT
    assert parse_qr_text(TEXT) == CARD


def test_an_old_id_and_a_man():
    card = CardQr("079090000123", "023456789", "Trần Văn Bình", dt.date(1990, 1, 2), "M",
                  "Phường Bến Thành, TP Hồ Chí Minh", dt.date(2021, 4, 30))  # fmt: skip
    text = build_qr_text(card)
    assert text == (
        "079090000123|023456789|Trần Văn Bình|02011990|Nam|Phường Bến Thành, TP Hồ Chí Minh|"
        "30042021"
    )
    assert parse_qr_text(text) == card


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_a_scanners_trailing_line_end_is_ignored(ending):
    assert parse_qr_text(TEXT + ending) == CARD


def test_the_2024_cards_extra_fields_are_kept_in_order():
    text = TEXT + "|Hà Nội|17052030|extra"
    card = parse_qr_text(text + "\r")
    assert card.extra == ("Hà Nội", "17052030", "extra")
    assert card.residence == CARD.residence and card.issue_date == CARD.issue_date
    assert build_qr_text(card) == text


def test_decomposed_unicode_is_read_as_nfc():
    assert parse_qr_text(unicodedata.normalize("NFD", TEXT)) == CARD


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("001190123456||Nguyễn Thị Đào|17051990|Nữ|Hà Nội", "format"),
        ("00119012345||Nguyễn Thị Đào|17051990|Nữ|Hà Nội|03072024", "personal_id"),
        ("001190123456|12345|Nguyễn Thị Đào|17051990|Nữ|Hà Nội|03072024", "legacy_id"),
        ("001190123456|| |17051990|Nữ|Hà Nội|03072024", "full_name"),
        ("001190123456||Nguyễn Thị Đào|31021990|Nữ|Hà Nội|03072024", "birth_date"),
        ("001190123456||Nguyễn Thị Đào|1990-05-17|Nữ|Hà Nội|03072024", "birth_date"),
        ("001190123456||Nguyễn Thị Đào|17051990|F|Hà Nội|03072024", "sex"),
        ("001190123456||Nguyễn Thị Đào|17051990|Nữ|Hà Nội|3/7/2024", "issue_date"),
    ],
)
def test_bad_text_names_the_field(text, field):
    with pytest.raises(CardQrError) as caught:
        parse_qr_text(text)
    assert caught.value.field == field


def test_a_bar_inside_a_field_cannot_be_written():
    with pytest.raises(CardQrError) as caught:
        build_qr_text(replace(CARD, residence="Hà Nội | Ba Đình"))
    assert caught.value.field == "residence"


def _png_pixels(png: bytes) -> np.ndarray:
    """Decode a greyscale PNG (as segno writes it) into an 8-bit image."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert (depth, colour) == (1, 0)  # 1-bit greyscale
    stride = (width + 7) // 8
    raw, rows, previous = zlib.decompress(idat), [], bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for x in range(stride):
            left = line[x - 1] if x else 0
            up = previous[x]
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                upleft = previous[x - 1] if x else 0
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                line[x] = (
                    line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else upleft)
                ) & 0xFF
        rows.append(np.unpackbits(np.frombuffer(bytes(line), dtype=np.uint8))[:width])
        previous = line
    return (np.array(rows) * 255).astype(np.uint8)


def test_the_png_qr_code_reads_back_as_the_card_text():
    png = qr_png(TEXT, scale=4)
    found = zxingcpp.read_barcodes(_png_pixels(png))
    assert [b.text for b in found] == [TEXT]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode


def test_the_svg_qr_code_is_a_drawing_of_the_same_code():
    svg = qr_svg(TEXT, scale=4)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert int(root.get("width")) == _png_pixels(qr_png(TEXT, scale=4)).shape[1]
