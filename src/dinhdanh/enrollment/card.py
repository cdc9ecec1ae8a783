"""Produce a card's machine-readable parts from its data: the QR text, the MRZ and the
chip (DG1, DG2, DG13 and the EF.SOD signed by the current Document Signer).

The approval of a card application calls `produce_card` inside its transaction; the
caller records the card and its audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment import card_qr, chip, keys, mrz, sod
from dinhdanh.platform import clock
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import ValidationProblem, field_error
from dinhdanh.population import names
from dinhdanh.population import personal_id as pid_rules

__all__ = ["CardData", "ProducedCard", "produce_card"]
T = TypeVar("T")


@dataclass(frozen=True)
class CardData:
    """What a card shows and holds. The birth date comes as the registry keeps it (month
    and day may be unknown); a card needs all three."""

    personal_id: str
    family_name: str
    middle_name: str
    given_name: str
    birth_year: int
    birth_month: int | None
    birth_day: int | None
    sex: str
    nationality: str
    ethnicity: str
    religion: str
    place_of_origin: str
    residence: str
    issue_date: dt.date
    expiry: dt.date | None
    father_name: str
    mother_name: str
    face_image: bytes
    legacy_id: str = ""
    identifying_marks: str = ""

    @property
    def full_name(self) -> str:
        """The name in Vietnamese order, NFC."""
        return names.full_name(self.family_name, self.middle_name, self.given_name)


@dataclass(frozen=True)
class ProducedCard:
    """A produced card's machine-readable parts."""

    qr_text: str
    mrz: tuple[str, str, str]
    dg1: bytes
    dg2: bytes
    dg13: bytes
    sod: bytes
    signer_kid: str

    @property
    def data_groups(self) -> dict[int, bytes]:
        """The chip's data groups by number, as passive authentication takes them."""
        return {1: self.dg1, 2: self.dg2, 13: self.dg13}


_TEXT_FIELDS = (
    "family_name", "middle_name", "given_name", "nationality", "ethnicity", "religion",
    "place_of_origin", "residence", "father_name", "mother_name", "identifying_marks",
)  # fmt: skip


def _birth_date(data: CardData, errors: list[dict[str, Any]]) -> dt.date | None:
    if data.birth_month is None or data.birth_day is None:
        errors.append(
            field_error(
                "birth_date",
                "A card needs the full date of birth; the registry knows only part of it.",
            )
        )
        return None
    try:
        return dt.date(data.birth_year, data.birth_month, data.birth_day)
    except ValueError:
        errors.append(field_error("birth_date", "The date of birth is not a valid date."))
        return None


def _check(data: CardData) -> dt.date:
    """The birth date, once every rule holds; otherwise a ValidationProblem naming each
    field at fault."""
    errors: list[dict[str, Any]] = []
    birth = _birth_date(data, errors)
    if data.sex not in ("M", "F"):
        errors.append(field_error("sex", "A card shows the sex as male or female."))
    else:
        try:
            pid_rules.validate(data.personal_id, sex=data.sex, birth_year=data.birth_year)
        except ValueError:
            errors.append(
                field_error(
                    "personal_id", "The personal ID is not valid for this sex and year of birth."
                )
            )
    if data.legacy_id and not (len(data.legacy_id) == 9 and data.legacy_id.isdigit()):
        errors.append(field_error("legacy_id", "The old ID number must have 9 digits."))
    for name in _TEXT_FIELDS:
        if any(ch in getattr(data, name) for ch in "|\r\n"):
            errors.append(field_error(name, "This field cannot contain '|' or a line break."))
    try:
        mrz.name_field(data.family_name, data.middle_name, data.given_name)
    except mrz.MrzError:
        errors.append(
            field_error("given_name", "The name cannot be written in the machine-readable zone.")
        )
    if chip.image_media_type(data.face_image) is None:
        errors.append(field_error("face_image", "The face photo must be a JPEG or PNG image."))
    if birth is not None and data.issue_date < birth:
        errors.append(
            field_error("issue_date", "The issue date cannot be before the date of birth.")
        )
    if data.expiry is not None and data.expiry <= data.issue_date:
        errors.append(field_error("expiry", "The expiry date must be after the issue date."))
    if errors or birth is None:
        raise ValidationProblem("The card cannot be produced from this data.", errors=errors)
    return birth


def _carried(part: type[T], data: CardData, birth: dt.date) -> T:
    """A part of the card (the QR's content, DG13's) made of the card's fields of the same
    names (the full name among them) and the date of birth."""
    shared = [f.name for f in fields(part) if hasattr(data, f.name)]  # type: ignore[arg-type]
    return part(**{name: getattr(data, name) for name in shared}, birth_date=birth)


async def produce_card(
    data: CardData, *, session: AsyncSession, cipher: FieldCipher
) -> ProducedCard:
    """The card's QR text, MRZ and chip contents, the SOD signed by the current Document
    Signer (ValidationProblem when the data cannot make a card)."""
    birth = _check(data)
    lines = mrz.build_td1(
        personal_id=data.personal_id,
        birth_date=birth,
        sex=data.sex,
        expiry=data.expiry,
        family_name=data.family_name,
        middle_name=data.middle_name,
        given_name=data.given_name,
    )
    qr_text = card_qr.build_qr_text(_carried(card_qr.CardQr, data, birth))
    dg1 = chip.build_dg1(lines)
    dg2 = chip.build_dg2(data.face_image)
    dg13 = chip.build_dg13(_carried(chip.VietnameseData, data, birth))
    signer = await keys.current_signer(session=session, cipher=cipher)
    signed = sod.build_sod(
        {1: dg1, 2: dg2, 13: dg13},
        private_key=signer.private_key,
        certificate=signer.certificate,
        signing_time=clock.now(),
    )
    return ProducedCard(
        qr_text=qr_text, mrz=lines, dg1=dg1, dg2=dg2, dg13=dg13, sod=signed, signer_kid=signer.kid
    )
