"""The chip's data groups (ICAO 9303 Part 10, LDS): DG1 the MRZ, DG2 the face, DG13 the
Vietnamese data, encoded as DER with asn1crypto.

Each data group is a file whose first TLV is its LDS tag (DG1 0x61, DG2 0x75, DG13 0x6D);
asn1crypto models them as SEQUENCEs re-tagged with the application class, so no TLV is
written by hand here.

DG2 is simplified. 9303 Part 10 puts an ISO/IEC 19794-5 facial record (a `FAC` header,
facial information and image information blocks, then a JPEG or JPEG 2000 image) inside
the biometric data block 5F2E. Here the block holds the captured JPEG or PNG file itself,
and the biometric header says so with a format owner of 0x0000 (none registered) and a
format type of our own (0x0001 JPEG, 0x0002 PNG) instead of SC 37's 0x0101/0x0008, so no
reader mistakes it for a 19794-5 record. The template is otherwise well formed: the
biometric information group 7F61 with its instance count, one biometric information
template 7F60 with its header A1 (version 80, type 81 = face, format owner 87 and type 88)
and the data block 5F2E. A card has one face, so the group holds exactly one instance.

DG13 (tag 0x6D) is a SEQUENCE of {INTEGER n, UTF8String} entries, numbered as in
DOMAIN.md; entry 13 holds two strings, the father's then the mother's name. The numbers
of the spouse (14) and the old ID (16, as a public reader of the 2024 card expects) are
*unconfirmed*; entries with other numbers are kept as read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Final

from asn1crypto import core

from dinhdanh.enrollment import mrz
from dinhdanh.enrollment.card_text import SEX_LABELS, format_date, parse_date, parse_sex

__all__ = [
    "LDS_TAGS",
    "ChipFormatError",
    "FaceImage",
    "VietnameseData",
    "build_dg1",
    "build_dg2",
    "build_dg13",
    "data_group_number",
    "image_media_type",
    "parse_dg1",
    "parse_dg2",
    "parse_dg13",
]

# The first byte of each LDS elementary file (9303 Part 10, 4.6.1); 0 is EF.COM, 0x77 the SOD.
LDS_TAGS: Final = {
    0x60: 0, 0x61: 1, 0x75: 2, 0x63: 3, 0x76: 4, 0x65: 5, 0x66: 6, 0x67: 7, 0x68: 8,
    0x69: 9, 0x6A: 10, 0x6B: 11, 0x6C: 12, 0x6D: 13, 0x6E: 14, 0x6F: 15, 0x70: 16,
}  # fmt: skip
NO_EXPIRY_TEXT: Final = "Không thời hạn"
_BHT_VERSION: Final = b"\x01\x01"
_FACE: Final = b"\x02"  # CBEFF biometric type: facial features
_NO_OWNER: Final = b"\x00\x00"
_IMAGE_FORMATS: Final = {"image/jpeg": b"\x00\x01", "image/png": b"\x00\x02"}
_MAGIC: Final = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


class ChipFormatError(ValueError):
    """A data group that cannot be built or read; `data_group` says which."""

    def __init__(self, data_group: int, message: str) -> None:
        super().__init__(f"DG{data_group}: {message}")
        self.data_group = data_group
        self.message = message


def data_group_number(raw: bytes) -> int | None:
    """The LDS data group a file holds, from its first tag (None: not a data group)."""
    return LDS_TAGS.get(raw[0]) if raw else None


def _load(spec: type[core.Asn1Value], raw: bytes, number: int) -> core.Asn1Value:
    """Parse `raw` completely (asn1crypto parses lazily): any defect is a ChipFormatError."""
    try:
        value = spec.load(raw, strict=True)
        _ = value.native
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise ChipFormatError(number, f"not a well-formed data group ({exc})") from None
    return value


# --- DG1 --------------------------------------------------------------------------------


class _Dg1(core.Sequence):
    class_ = 1  # application 1, constructed: 0x61
    tag = 1
    _fields: ClassVar = [("mrz", core.OctetString, {"implicit": ("application", 31)})]  # 5F1F


def build_dg1(mrz_lines: Sequence[str]) -> bytes:
    """DG1: the MRZ's characters, without line breaks, in 5F1F under tag 0x61."""
    return _Dg1({"mrz": "".join(mrz_lines).encode("ascii")}).dump()


def parse_dg1(raw: bytes) -> mrz.Td1:
    """The MRZ held in DG1, read and checked (`mrz.MrzError` when a check digit fails)."""
    value = _load(_Dg1, raw, 1)
    try:
        text = value["mrz"].native.decode("ascii")
    except UnicodeDecodeError:
        raise ChipFormatError(1, "the MRZ is not ASCII") from None
    return mrz.parse_td1(text)


# --- DG2 --------------------------------------------------------------------------------


class _BiometricHeader(core.Sequence):
    _fields: ClassVar = [
        ("version", core.OctetString, {"implicit": 0}),
        ("biometric_type", core.OctetString, {"implicit": 1}),
        ("format_owner", core.OctetString, {"implicit": 7}),
        ("format_type", core.OctetString, {"implicit": 8}),
    ]


class _BiometricInfo(core.Sequence):
    _fields: ClassVar = [
        ("header", _BiometricHeader, {"implicit": 1}),  # A1
        ("data", core.OctetString, {"implicit": ("application", 46)}),  # 5F2E
    ]


class _BiometricGroup(core.Sequence):
    _fields: ClassVar = [
        ("count", core.Integer),
        ("instance", _BiometricInfo, {"implicit": ("application", 96)}),  # 7F60
    ]


class _Dg2(core.Sequence):
    class_ = 1  # application 21, constructed: 0x75
    tag = 21
    _fields: ClassVar = [("group", _BiometricGroup, {"implicit": ("application", 97)})]  # 7F61


@dataclass(frozen=True)
class FaceImage:
    """The face held in DG2: the image file and its media type."""

    image: bytes
    media_type: str


def image_media_type(image: bytes) -> str | None:
    """`image/jpeg` or `image/png` from the file's signature, else None."""
    return next((kind for magic, kind in _MAGIC.items() if image.startswith(magic)), None)


def build_dg2(image: bytes) -> bytes:
    """DG2: the face image (JPEG or PNG) in the simplified biometric template above."""
    media_type = image_media_type(image)
    if media_type is None:
        raise ChipFormatError(2, "the face image must be a JPEG or PNG file")
    header = {
        "version": _BHT_VERSION,
        "biometric_type": _FACE,
        "format_owner": _NO_OWNER,
        "format_type": _IMAGE_FORMATS[media_type],
    }
    group = {"count": 1, "instance": {"header": header, "data": image}}
    return _Dg2({"group": group}).dump()


def parse_dg2(raw: bytes) -> FaceImage:
    """The face image held in DG2."""
    instance = _load(_Dg2, raw, 2)["group"]["instance"]
    header = instance["header"]
    if header["biometric_type"].native != _FACE:
        raise ChipFormatError(2, "the biometric template is not a face")
    image = instance["data"].native
    media_type = image_media_type(image)
    if media_type is None or _IMAGE_FORMATS[media_type] != header["format_type"].native:
        raise ChipFormatError(2, "the face image is not the JPEG or PNG its header names")
    return FaceImage(image=image, media_type=media_type)


# --- DG13 -------------------------------------------------------------------------------


class _Dg13Entry(core.Sequence):
    _fields: ClassVar = [
        ("number", core.Integer),
        ("value", core.UTF8String, {"optional": True}),
        ("second", core.UTF8String, {"optional": True}),
    ]


class _Dg13(core.SequenceOf):
    class_ = 1  # application 13, constructed: 0x6D
    tag = 13
    _child_spec = _Dg13Entry


# Entry numbers (DOMAIN.md, "Chip"); 14 and 16 are unconfirmed.
PERSONAL_ID, FULL_NAME, BIRTH_DATE, SEX, NATIONALITY, ETHNICITY, RELIGION = range(1, 8)
PLACE_OF_ORIGIN, RESIDENCE, IDENTIFYING_MARKS, ISSUE_DATE, EXPIRY, PARENTS = range(8, 14)
SPOUSE: Final = 14
LEGACY_ID: Final = 16
_TEXT_ENTRIES: Final = {
    FULL_NAME: "full_name",
    NATIONALITY: "nationality",
    ETHNICITY: "ethnicity",
    RELIGION: "religion",
    PLACE_OF_ORIGIN: "place_of_origin",
    RESIDENCE: "residence",
    IDENTIFYING_MARKS: "identifying_marks",
    SPOUSE: "spouse_name",
    LEGACY_ID: "legacy_id",
}


@dataclass(frozen=True)
class VietnameseData:
    """DG13's content. `extra` keeps entries with numbers this code does not know."""

    personal_id: str
    full_name: str
    birth_date: dt.date
    sex: str
    nationality: str
    ethnicity: str
    religion: str
    place_of_origin: str
    residence: str
    issue_date: dt.date
    expiry: dt.date | None
    father_name: str = ""
    mother_name: str = ""
    identifying_marks: str = ""
    spouse_name: str = ""
    legacy_id: str = ""
    extra: tuple[tuple[int, tuple[str, ...]], ...] = field(default=())


def build_dg13(data: VietnameseData) -> bytes:
    """DG13: the Vietnamese data as {n, text} entries, in number order."""
    if data.sex not in SEX_LABELS:
        raise ChipFormatError(13, "sex must be M or F")
    entries: dict[int, tuple[str, ...]] = {
        PERSONAL_ID: (data.personal_id,),
        BIRTH_DATE: (format_date(data.birth_date, "/"),),
        SEX: (SEX_LABELS[data.sex],),
        ISSUE_DATE: (format_date(data.issue_date, "/"),),
        EXPIRY: (NO_EXPIRY_TEXT if data.expiry is None else format_date(data.expiry, "/"),),
        PARENTS: (data.father_name, data.mother_name),
    }
    for number, name in _TEXT_ENTRIES.items():
        value = getattr(data, name)
        if value or number not in (SPOUSE, LEGACY_ID):
            entries[number] = (value,)
    for number, values in data.extra:
        if number in entries or not 1 <= len(values) <= 2:
            raise ChipFormatError(13, f"extra entry {number} clashes or has no text")
        entries[number] = values
    rows = []
    for number in sorted(entries):
        row: dict[str, object] = {"number": number, "value": entries[number][0]}
        if len(entries[number]) > 1:
            row["second"] = entries[number][1]
        rows.append(row)
    return _Dg13(rows).dump()


def _read_date(entries: dict[int, tuple[str, ...]], number: int) -> dt.date:
    day = parse_date(entries[number][0], "/")
    if day is None:
        raise ChipFormatError(13, f"entry {number} is not a date (DD/MM/YYYY)")
    return day


def parse_dg13(raw: bytes) -> VietnameseData:
    """The Vietnamese data held in DG13."""
    entries: dict[int, tuple[str, ...]] = {}
    for entry in _load(_Dg13, raw, 13):
        number = entry["number"].native
        values = tuple(v for v in (entry["value"].native, entry["second"].native) if v is not None)
        if number in entries:
            raise ChipFormatError(13, f"entry {number} appears twice")
        entries[number] = values or ("",)
    required = (PERSONAL_ID, FULL_NAME, BIRTH_DATE, SEX, ISSUE_DATE, EXPIRY)
    missing = [n for n in required if n not in entries]
    if missing:
        raise ChipFormatError(13, f"entries {missing} are missing")
    sex = parse_sex(entries[SEX][0])
    if sex is None:
        raise ChipFormatError(13, "sex must be Nam or Nữ")
    expiry_text = entries[EXPIRY][0]
    parents = (*entries.get(PARENTS, ()), "", "")
    known = {PERSONAL_ID, BIRTH_DATE, SEX, ISSUE_DATE, EXPIRY, PARENTS, *_TEXT_ENTRIES}
    return VietnameseData(
        personal_id=entries[PERSONAL_ID][0],
        birth_date=_read_date(entries, BIRTH_DATE),
        sex=sex,
        issue_date=_read_date(entries, ISSUE_DATE),
        expiry=None if expiry_text == NO_EXPIRY_TEXT else _read_date(entries, EXPIRY),
        father_name=parents[0],
        mother_name=parents[1],
        extra=tuple((n, v) for n, v in sorted(entries.items()) if n not in known),
        **{name: entries.get(number, ("",))[0] for number, name in _TEXT_ENTRIES.items()},
    )
