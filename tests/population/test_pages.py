"""The registry pages: search, record, change forms with inline errors, scope."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from dinhdanh.population.models import Citizen, CitizenChange
from tests.factories.population import FAR, NEIGHBOUR, create_citizen, create_family

HTML = {"accept": "text/html"}


def _form_headers(client) -> dict[str, str]:
    return {"accept": "text/html"}


async def _post_form(client, url: str, data: dict[str, str]):
    csrf = client.cookies.get("dd_csrf")
    token = client.headers.pop("X-CSRF-Token", None)
    try:
        return await client.post(url, data={**data, "csrf_token": csrf}, headers=HTML)
    finally:
        if token is not None:
            client.headers["X-CSRF-Token"] = token


async def test_search_page_by_folded_name(officer, db):
    await create_citizen(db, family="Lê", middle="Thị", given="Thủy", sex="F")
    r = await officer.get("/registry", params={"q": "le thi thuy"}, headers=HTML)
    assert r.status_code == 200
    assert "Lê Thị Thủy" in r.text
    assert 'id="results"' in r.text


async def test_search_page_by_personal_id_and_bad_input(officer, db):
    an = await create_citizen(db)
    r = await officer.get("/registry", params={"q": an.personal_id}, headers=HTML)
    assert "Nguyễn Văn An" in r.text
    r = await officer.get("/registry", params={"q": "12345"}, headers=HTML)
    assert r.status_code == 422
    assert "field-error" in r.text
    r = await officer.get("/registry", params={"q": "an an", "birth": "1990-02-30"}, headers=HTML)
    assert r.status_code == 422
    assert 'value="1990-02-30"' in r.text


async def test_search_page_leaves_out_other_communes(officer, db):
    await create_citizen(db, given="Hải", commune_code=NEIGHBOUR)
    r = await officer.get("/registry", params={"q": "nguyen van hai"}, headers=HTML)
    assert 'id="no-results"' in r.text


async def test_search_page_in_english_and_vietnamese(officer):
    r = await officer.get("/registry", headers={"accept": "text/html", "accept-language": "en"})
    assert "Personal ID or full name" in r.text
    r = await officer.get("/registry", headers=HTML)
    assert "Số định danh cá nhân hoặc họ và tên" in r.text


async def test_record_page_sections(officer, db):
    family = await create_family(db)
    r = await officer.get(f"/registry/citizens/{family['father'].id}", headers=HTML)
    assert r.status_code == 200
    for section in ("identity", "residence", "household", "relatives", "cards", "history"):
        assert f'id="{section}"' in r.text
    assert "Trần Thị Thủy" in r.text
    assert "Phường Ba Đình" in r.text
    assert 'name="csrf_token"' in r.text


async def test_record_page_of_another_commune_is_not_found(officer, db):
    away = await create_citizen(db, commune_code=FAR)
    r = await officer.get(f"/registry/citizens/{away.id}", headers=HTML)
    assert r.status_code == 404
    assert "Nguyễn Văn An" not in r.text


async def test_signed_out_page_redirects_to_login(client, db):
    r = await client.get("/registry", headers=HTML)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")


async def test_death_form_success_and_inline_error(officer, db):
    an = await create_citizen(db)
    url = f"/registry/citizens/{an.id}/death"
    r = await _post_form(officer, url, {"date": "2999-01-01", "place": "Bệnh viện <b>"})
    assert r.status_code == 422
    assert 'value="2999-01-01"' in r.text
    assert "field-error" in r.text
    assert "&lt;b&gt;" in r.text and "<b>" not in r.text.split('id="form-death"')[1]
    r = await _post_form(officer, url, {"date": "2025-01-02", "place": "Bệnh viện Bạch Mai"})
    assert r.status_code == 303
    page = await officer.get(r.headers["location"], headers=HTML)
    assert "alert-ok" in page.text
    assert 'id="form-death"' not in page.text


async def test_form_without_csrf_is_refused(officer, db):
    an = await create_citizen(db)
    officer.headers.pop("X-CSRF-Token", None)
    r = await officer.post(
        f"/registry/citizens/{an.id}/death", data={"date": "2025-01-02"}, headers=HTML
    )
    assert r.status_code == 403
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(CitizenChange)) == 0


async def test_residence_form_moves_and_shows_history(officer, db):
    an = await create_citizen(db)
    url = f"/registry/citizens/{an.id}/residence"
    r = await _post_form(
        officer,
        url,
        {"kind": "temporary", "commune_code": "99999", "address": "1 Phố", "date": "2025-01-01"},
    )
    assert r.status_code == 422
    assert 'value="99999"' in r.text
    r = await _post_form(
        officer,
        url,
        {
            "kind": "temporary",
            "commune_code": NEIGHBOUR,
            "address": "1 Phố Huế",
            "date": "2025-01-01",
        },
    )
    assert r.status_code == 303
    page = await officer.get(r.headers["location"], headers=HTML)
    assert "1 Phố Huế" in page.text
    r = await _post_form(
        officer,
        url,
        {
            "kind": "permanent",
            "commune_code": FAR,
            "address": "2 Đường Lê Lợi",
            "date": "2025-02-01",
        },
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/registry?")


async def test_birth_form_registers_a_child(officer, db):
    family = await create_family(db)
    url = f"/registry/households/{family['household'].id}/births"
    base = {
        "from_citizen": str(family["father"].id),
        "family_name": "Nguyễn",
        "middle_name": "Gia",
        "sex": "F",
        "birth_date": "2025-03-04",
        "mother_id": str(family["mother"].id),
        "father_id": str(family["father"].id),
    }
    r = await _post_form(officer, url, {**base, "given_name": "<script>x</script>"})
    assert r.status_code == 422
    assert "<script>x" not in r.text
    r = await _post_form(officer, url, {**base, "given_name": "Hân"})
    assert r.status_code == 303
    page = await officer.get(r.headers["location"], headers=HTML)
    assert "Nguyễn Gia Hân" in page.text
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(Citizen)) == 4
    assert re.search(r'id="personal-id">001[23]25\d{6}<', page.text)
