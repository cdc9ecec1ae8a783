"""Enrollment test helpers: small face images and a reader of BER-TLV written from ISO/IEC
7816-4 (not from the code under test), to look inside the chip's files."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import replace

from dinhdanh.enrollment.card import CardData


def tiny_png(width: int = 8, height: int = 8) -> bytes:
    """A real, decodable 8-bit greyscale PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes((x * 32) % 256 for x in range(width)) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# A JPEG's signature (SOI and an APP0 marker) around opaque bytes: enough for the chip,
# which stores the file as it is and never decodes it.
JPEG_LIKE = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(200)
    + b"\xff\xd9"
)


def tlv(data: bytes) -> list[tuple[str, bytes]]:
    """Split BER-TLV into (tag as hex, value) pairs: multi-byte tags when the first byte's
    low five bits are all set, short and long length forms."""
    out, pos = [], 0
    while pos < len(data):
        start = pos
        pos += 1
        if data[start] & 0x1F == 0x1F:
            while data[pos] & 0x80:
                pos += 1
            pos += 1
        tag = data[start:pos].hex()
        length = data[pos]
        pos += 1
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        out.append((tag, data[pos : pos + length]))
        pos += length
    assert pos == len(data), "trailing bytes"
    return out


# What the card of Nguyễn Văn An (001090123456, born 17 May 1990 in Hà Nội, male) prints
# beside his name and dates: the card's data and its chip's DG13 alike.
AN_DETAILS: dict[str, str] = {
    "nationality": "Việt Nam",
    "ethnicity": "Kinh",
    "religion": "Không",
    "place_of_origin": "Xã Thăng Thọ, Tỉnh Thanh Hóa",
    "residence": "12 Phố Đội Cấn, Phường Ba Đình, Hà Nội",
    "father_name": "Nguyễn Văn Bình",
    "mother_name": "Lê Thị Cúc",
}


def card_data(**changes: object) -> CardData:
    """The data of a card for Nguyễn Văn An, born 17 May 1990 in Hà Nội."""
    data = CardData(
        personal_id="001090123456",
        family_name="Nguyễn",
        middle_name="Văn",
        given_name="An",
        birth_year=1990,
        birth_month=5,
        birth_day=17,
        sex="M",
        issue_date=dt.date(2026, 3, 1),
        expiry=dt.date(2030, 5, 17),
        face_image=tiny_png(),
        **AN_DETAILS,
    )
    return replace(data, **changes)
