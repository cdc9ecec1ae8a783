"""Producing a card: its QR, MRZ and chip tell the same story, the chip verifies, and data
that cannot make a card is refused with each field named."""

from __future__ import annotations

import datetime as dt

import pytest

from dinhdanh.enrollment import card_qr, chip, keys, mrz
from dinhdanh.enrollment.card import produce_card
from dinhdanh.enrollment.sod import passive_authentication
from dinhdanh.platform import i18n
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, ValidationProblem
from tests.enrollment.helpers import JPEG_LIKE, card_data


@pytest.fixture
async def with_keys(db, cipher) -> None:
    async with db.unit_of_work() as session:
        await keys.create_keys(session=session, cipher=cipher, actor=Principal.system("test"))


async def test_a_produced_card_is_consistent_and_verifies(db, cipher, with_keys):
    data = card_data(legacy_id="012345678", identifying_marks="Sẹo chấm dưới mắt trái")
    async with db.unit_of_work() as session:
        card = await produce_card(data, session=session, cipher=cipher)
        trusted = await keys.trusted_cscas(session=session)
        signer = await keys.current_signer(session=session, cipher=cipher)

    assert card.qr_text == (
        "001090123456|012345678|Nguyễn Văn An|17051990|Nam|"
        "12 Phố Đội Cấn, Phường Ba Đình, Hà Nội|01032026"
    )
    qr = card_qr.parse_qr_text(card.qr_text)
    td1 = mrz.parse_td1("\n".join(card.mrz))
    assert td1.personal_id == qr.personal_id == "001090123456"
    assert td1.birth() == qr.birth_date == dt.date(1990, 5, 17)
    assert td1.expiry() == dt.date(2030, 5, 17)
    assert card.mrz[2] == "NGUYEN<<VAN<AN".ljust(30, "<")
    assert chip.parse_dg1(card.dg1).lines == card.mrz
    assert chip.parse_dg2(card.dg2).image == data.face_image
    vn = chip.parse_dg13(card.dg13)
    assert (vn.full_name, vn.sex, vn.legacy_id) == ("Nguyễn Văn An", "M", "012345678")
    assert (vn.father_name, vn.mother_name) == ("Nguyễn Văn Bình", "Lê Thị Cúc")
    assert vn.identifying_marks == "Sẹo chấm dưới mắt trái"
    assert card.signer_kid == signer.kid

    result = passive_authentication(card.sod, card.data_groups, trusted)
    assert result.ok
    assert result.document_signer == signer.certificate


async def test_a_card_without_expiry(db, cipher, with_keys):
    data = card_data(
        personal_id="001064000777", birth_year=1964, birth_month=2, birth_day=3, expiry=None
    )
    async with db.unit_of_work() as session:
        card = await produce_card(data, session=session, cipher=cipher)
    assert card.mrz[1][8:14] == "991231"
    assert mrz.parse_td1("\n".join(card.mrz)).expiry() is None
    assert chip.parse_dg13(card.dg13).expiry is None


async def test_a_partial_birth_date_cannot_make_a_card(db, cipher, with_keys):
    async with db.unit_of_work() as session:
        for month, day in ((None, None), (5, None)):
            with pytest.raises(ValidationProblem) as caught:
                await produce_card(
                    card_data(birth_month=month, birth_day=day), session=session, cipher=cipher
                )
            assert [e["field"] for e in caught.value.errors] == ["birth_date"]
    token = i18n.set_language("en")
    try:
        body = caught.value.to_dict()
    finally:
        i18n._current.reset(token)
    assert "full date of birth" in body["errors"][0]["message"]


async def test_every_field_at_fault_is_named(db, cipher, with_keys):
    data = card_data(
        sex="F",  # the personal ID encodes a man
        legacy_id="12345",
        residence="Hà Nội | Ba Đình",
        face_image=b"GIF89a" + bytes(10),
        issue_date=dt.date(1980, 1, 1),
        expiry=dt.date(1979, 1, 1),
        given_name="Иван",
    )
    async with db.unit_of_work() as session:
        with pytest.raises(ValidationProblem) as caught:
            await produce_card(data, session=session, cipher=cipher)
    assert sorted(e["field"] for e in caught.value.errors) == sorted(
        [
            "personal_id",
            "legacy_id",
            "residence",
            "given_name",
            "face_image",
            "issue_date",
            "expiry",
        ]
    )
    body = caught.value.to_dict()  # Vietnamese by default
    assert "Ảnh chân dung phải là tệp ảnh JPEG hoặc PNG." in [e["message"] for e in body["errors"]]


async def test_a_card_shows_male_or_female(db, cipher, with_keys):
    async with db.unit_of_work() as session:
        with pytest.raises(ValidationProblem) as caught:
            await produce_card(card_data(sex="X"), session=session, cipher=cipher)
    assert [e["field"] for e in caught.value.errors] == ["sex"]


async def test_a_jpeg_face_is_taken_as_it_is(db, cipher, with_keys):
    async with db.unit_of_work() as session:
        card = await produce_card(card_data(face_image=JPEG_LIKE), session=session, cipher=cipher)
    assert chip.parse_dg2(card.dg2).media_type == "image/jpeg"


async def test_no_card_before_the_keys_exist(db, cipher):
    async with db.unit_of_work() as session:
        with pytest.raises(Conflict):
            await produce_card(card_data(), session=session, cipher=cipher)
