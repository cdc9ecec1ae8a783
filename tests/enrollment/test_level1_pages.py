"""Level-1 registration in a browser (`/register`): the same steps as the app, the
registration held by a cookie, a refusal shown on the card page naming the check."""

from __future__ import annotations

import pytest

from tests.enrollment.level1_support import (
    SELFIE,
    altered_dg13,
    chip_files,
    face_checks,
    make_person,
    with_keys,  # noqa: F401
)
from tests.factories.accounts import code_in, last_sms

pytestmark = pytest.mark.usefixtures("with_keys")


async def _to_card_step(client, db, personal_id: str) -> None:
    started = await client.post(
        "/register", data={"personal_id": personal_id, "phone": "0912000111", "email": ""}
    )
    assert started.status_code == 303 and started.headers["location"] == "/register/phone"
    assert "dd_l1" in client.cookies
    page = await client.get("/register/phone")
    assert "0912***111" in page.text
    code = code_in(await last_sms(db, "0912000111"))
    verified = await client.post("/register/phone", data={"code": code})
    assert verified.headers["location"] == "/register/card"


async def test_a_browser_registers_with_the_chip_files(client, db, settings):
    client.headers["Accept-Language"] = "en"
    person = await make_person(db, settings.field_cipher())
    await _to_card_step(client, db, person.personal_id)

    sent = await client.post(
        "/register/card",
        files=[*chip_files(person.card), ("selfie", ("me.png", SELFIE, "image/png"))],
    )

    assert sent.status_code == 303 and sent.headers["location"] == "/register/status"
    status = await client.get("/register/status")
    assert 'data-state="face_check"' in status.text
    assert "Card chip genuine (signature, certificate chain, every data group)" in status.text
    assert len(await face_checks(db, person.citizen_id)) == 1
    # The steps behind it lead to the status now.
    assert (await client.get("/register/card")).headers["location"] == "/register/status"


async def test_a_forged_chip_file_is_refused_on_the_page_in_vietnamese(client, db, settings):
    person = await make_person(db, settings.field_cipher())
    await _to_card_step(client, db, person.personal_id)
    forged = chip_files(person.card, dg13=altered_dg13(person.card, full_name="Trần Văn Giả"))

    refused = await client.post(
        "/register/card", files=[*forged, ("selfie", ("me.png", SELFIE, "image/png"))]
    )

    assert refused.status_code == 422
    assert 'data-type="chip-dg-hash"' in refused.text
    assert "Nhóm dữ liệu 13 của chip đã bị sửa đổi." in refused.text
    assert "Còn 4 lần thử" in refused.text
    assert await face_checks(db, person.citizen_id) == []


async def test_a_wrong_code_and_bad_input_stay_on_their_page(client, db, settings):
    client.headers["Accept-Language"] = "en"
    bad = await client.post("/register", data={"personal_id": "1", "phone": "2"})
    assert bad.status_code == 422
    assert "Enter a valid 12-digit personal ID." in bad.text
    person = await make_person(db, settings.field_cipher())
    await client.post("/register", data={"personal_id": person.personal_id, "phone": "0912000111"})
    wrong = await client.post("/register/phone", data={"code": "000000"})
    assert wrong.status_code == 422 and "The code is not correct" in wrong.text
    # Without the cookie's registration the steps lead back to the start.
    client.cookies.delete("dd_l1")
    assert (await client.get("/register/card")).headers["location"] == "/register"


async def test_the_forms_need_the_csrf_token(client, db, settings):
    del client.headers["X-CSRF-Token"]
    answer = await client.post("/register", data={"personal_id": "001090123456", "phone": "x"})
    assert answer.status_code == 403
