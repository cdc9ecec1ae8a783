"""The applicant follows the application: the public status page by reference and personal
ID (one answer for anything that does not match, rate-limited), and the app's API."""

from __future__ import annotations

from tests.enrollment.office import open_via_api
from tests.factories.accounts import create_holder
from tests.factories.population import make_card, make_citizen

NO_MATCH = "No application matches this reference and personal ID."


async def test_the_status_page_shows_the_state_only_to_the_right_pair(db, client, officers):
    async with db.unit_of_work() as session:
        person = await make_citizen(session)
        other = await make_citizen(session, given="Ba")
        await make_card(session, person)
    application = (await open_via_api(await officers(), person.id)).json()
    client.headers["Accept-Language"] = "en"
    form = {"reference": application["reference"].lower(), "personal_id": person.personal_id}
    shown = await client.post("/applications/status", data=form)
    assert shown.status_code == 200 and "Being captured" in shown.text
    assert person.personal_id in shown.text  # only the one the visitor typed
    assert "Nguyễn" not in shown.text  # no personal data of the applicant
    wrong = await client.post(
        "/applications/status", data=form | {"personal_id": other.personal_id}
    )
    unknown = await client.post("/applications/status", data=form | {"reference": "ZZZZZ-ZZZZZ"})
    for answer in (wrong, unknown):
        assert answer.status_code == 404 and NO_MATCH in answer.text


async def test_the_status_page_is_rate_limited(client):
    form = {"reference": "ABCDE-FGHJK", "personal_id": "001090000001"}
    codes = [(await client.post("/applications/status", data=form)).status_code for _ in range(11)]
    assert codes[:10] == [404] * 10 and codes[10] == 429


async def test_the_app_lists_the_citizens_own_applications(db, app, client, officers):
    holder = await create_holder(db, app, level=1, phone="0911444555")
    application = (await open_via_api(await officers(), holder.citizen_id)).json()
    signed = await client.post(
        "/api/app/v1/sign-in",
        json={"personal_id": holder.personal_id, "password": holder.password},
    )
    token = signed.json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert signed.json()["stage"] == "ok"
    listed = await client.get("/api/app/v1/applications", headers=bearer)
    assert listed.status_code == 200
    assert [a["reference"] for a in listed.json()] == [application["reference"]]
    one = await client.get(f"/api/app/v1/applications/{application['reference']}", headers=bearer)
    assert one.json()["status"] == "open" and one.json()["wants_account"] is True
    assert (await client.get("/api/app/v1/applications")).status_code == 401
