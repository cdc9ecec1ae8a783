"""Following up a resident without an account: each follow-up recorded (day, channel,
outcome, note), audited with the citizen's id, shown on the list as the last one; bad
input and people outside the unit refused with nothing written."""

from __future__ import annotations

import contextlib

import pytest

from dinhdanh.enrollment.campaign_models import FollowUp
from dinhdanh.platform.audit import AuditEvent
from tests.enrollment.campaign_support import build_town, campaign_officers, count_rows, events

VISIT = {
    "happened_on": "2026-02-27",
    "channel": "visit",
    "outcome": "will_register",
    "note": "Hẹn thứ Hai mang thẻ đến công an phường.",
}


@pytest.fixture
async def officers(app):
    """Open officers' clients: `await officers("CAT-01")`."""
    async with contextlib.AsyncExitStack() as stack:
        yield campaign_officers(app, stack)


@pytest.fixture
async def town(db, frozen):
    """The population (the clock on 1 March 2026)."""
    return await build_town(db)


def _url(citizen_id) -> str:
    return f"/api/v1/campaign/residents/{citizen_id}/follow-ups"


async def test_a_follow_up_is_recorded_audited_and_shown_on_the_list(officers, town, db):
    officer = await officers()
    done = await officer.post(_url(town.binh), json=VISIT)

    assert done.status_code == 201, done.text
    body = done.json()
    assert body["citizen_id"] == str(town.binh) and body["unit_code"] == "CAX-00004"
    assert (body["happened_on"], body["channel"], body["outcome"]) == (
        "2026-02-27", "visit", "will_register",
    )  # fmt: skip
    assert body["note"] == VISIT["note"]
    [event] = await events(db, "enrollment.campaign.followed_up")
    assert event.citizen_id == town.binh
    assert (event.subject_type, event.subject_id) == ("campaign_followup", body["id"])
    assert event.actor_unit == "CAX-00004"
    assert event.data == {
        "channel": "visit",
        "outcome": "will_register",
        "happened_on": "2026-02-27",
    }

    later = VISIT | {"happened_on": "2026-03-01", "channel": "phone", "outcome": "not_reached"}
    assert (await officer.post(_url(town.binh), json=later | {"note": ""})).status_code == 201
    listed = (await officer.get("/api/v1/campaign/residents")).json()
    binh = next(r for r in listed["items"] if r["full_name"] == "Lê Văn Bình")
    assert binh["last_follow_up"] == {
        "happened_on": "2026-03-01", "channel": "phone", "outcome": "not_reached", "count": 2,
    }  # fmt: skip
    followed = await officer.get("/api/v1/campaign/residents", params={"followed": "yes"})
    assert [r["full_name"] for r in followed.json()["items"]] == ["Lê Văn Bình"]
    never = await officer.get("/api/v1/campaign/residents", params={"followed": "never"})
    assert never.json()["total"] == 3

    history = (await officer.get(_url(town.binh))).json()
    assert history["on_list"] is True
    assert [f["channel"] for f in history["follow_ups"]] == ["phone", "visit"]
    viewed = await events(db, "enrollment.campaign.viewed")
    assert [e.citizen_id for e in viewed] == [town.binh]


async def test_the_page_form_records_a_follow_up(officers, town):
    officer = await officers()
    back = "/officer/campaign/residents?followed=never"
    page = await officer.get(f"/officer/campaign/residents/{town.chi}", params={"next": back})
    assert page.status_code == 200 and 'id="follow-up-form"' in page.text
    assert 'value="2026-03-01"' in page.text  # today, by default
    sent = await officer.post(
        f"/officer/campaign/residents/{town.chi}/follow-ups",
        data={**VISIT, "channel": "loudspeaker", "outcome": "no_smartphone", "next": back},
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith(
        f"/officer/campaign/residents/{town.chi}?done=recorded&next="
    )
    shown = await officer.get(sent.headers["location"])
    assert "The follow-up is recorded." in shown.text
    assert "Loudspeaker announcement" in shown.text and "No smartphone" in shown.text
    assert f'href="{back}"' in shown.text
    listed = await officer.get("/officer/campaign/residents")
    row = listed.text.split(f'data-citizen="{town.chi}"', 1)[1].split("</tr>", 1)[0]
    assert "27/02/2026" in row and "No smartphone" in row


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "sms"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"outcome": "maybe"}, "outcome"),
        ({"note": "x" * 501}, "note"),
        ({"happened_on": "2026-13-01"}, "happened_on"),
        ({"happened_on": "01/03/2026"}, "happened_on"),
        ({"happened_on": "2026-03-02"}, "happened_on"),  # tomorrow
        ({"happened_on": "2025-02-27"}, "happened_on"),  # over a year ago
    ],
)
async def test_bad_input_is_refused_and_nothing_is_written(officers, town, db, change, field):
    officer = await officers()
    refused = await officer.post(_url(town.binh), json=VISIT | change)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    page = await officer.post(
        f"/officer/campaign/residents/{town.binh}/follow-ups", data=VISIT | change
    )
    assert page.status_code == 422
    assert 'class="field-error"' in page.text
    assert await count_rows(db, FollowUp) == 0
    assert await events(db, "enrollment.campaign.followed_up") == []


async def test_a_note_of_500_characters_is_kept_and_control_characters_dropped(officers, town):
    officer = await officers()
    note = "Đã gặp.\x00\x07 " + "ư" * 492
    done = await officer.post(_url(town.binh), json=VISIT | {"note": note})
    assert done.status_code == 201
    assert done.json()["note"] == "Đã gặp. " + "ư" * 492


async def test_a_person_outside_the_unit_is_not_found(officers, town, db):
    officer = await officers()
    # Another province; a woman staying here whose permanent residence is next door (her
    # own commune follows her up); the dead; no one; not an id.
    for who in (town.nam, town.lan, town.khoa, "0b7c6a8e-0000-4000-8000-000000000000", "x"):
        refused = await officer.post(_url(who), json=VISIT)
        assert refused.status_code == 404, who
        assert refused.json()["detail"] == "No citizen with this reference in your unit."
        assert (await officer.get(_url(who))).status_code == 404
        page = await officer.get(f"/officer/campaign/residents/{who}")
        assert page.status_code == 404
    assert await count_rows(db, FollowUp) == 0
    province = await officers("CAT-01")
    assert (await province.post(_url(town.lan), json=VISIT)).status_code == 201


@pytest.mark.parametrize(
    ("person", "kind"), [("an", "has-account"), ("dung", "not-an-adult"), ("giang", "not-an-adult")]
)
async def test_a_resident_not_on_the_list_gets_a_conflict(officers, town, db, person, kind):
    officer = await officers()
    refused = await officer.post(_url(getattr(town, person)), json=VISIT)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith(f"/{kind}")
    history = (await officer.get(_url(getattr(town, person)))).json()
    assert history["on_list"] is False
    assert await count_rows(db, FollowUp) == 0
    assert (
        await count_rows(db, AuditEvent, AuditEvent.action == "enrollment.campaign.followed_up")
        == 0
    )


async def test_the_form_page_reads_in_vietnamese(officers, town):
    officer = await officers(lang="vi")
    page = await officer.get(f"/officer/campaign/residents/{town.em}")
    assert "Ghi nhận vận động" in page.text and "Đến tận nhà" in page.text
    refused = await officer.post(
        f"/officer/campaign/residents/{town.em}/follow-ups", data=VISIT | {"note": "x" * 501}
    )
    assert "Ghi chú quá dài: tối đa 500 ký tự." in refused.text
