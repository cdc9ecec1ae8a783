"""A parent or guardian with a level-2 account registers level 1 for a child under 14 or a
ward, as the registry links them; anyone else, a level-1 holder, a child of 14 and a
person who already has an account are refused."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from dinhdanh.accounts.models import Account
from dinhdanh.enrollment.level1_models import Level1Registration
from dinhdanh.population.models import Citizen
from tests.enrollment.level1_support import years_ago
from tests.factories.accounts import create_holder, initial_password_in, last_sms, sign_in_web
from tests.factories.audit import actions
from tests.factories.population import create_citizen

API = "/api/app/v1"
PROBLEM = "https://dinhdanh.example/problems/"


@pytest.fixture(autouse=True)
def english(client) -> None:
    client.headers["Accept-Language"] = "en"


async def _app_token(app, holder) -> httpx.AsyncClient:
    """A phone signed in to the holder's account over the app API."""
    transport = httpx.ASGITransport(app=app, client=("113.161.2.2", 41000))
    phone = httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"Accept-Language": "en"}
    )
    step = await phone.post(
        f"{API}/sign-in", json={"personal_id": holder.personal_id, "password": holder.password}
    )
    assert step.json()["stage"] == "ok", step.text
    phone.headers["Authorization"] = f"Bearer {step.json()['token']}"
    return phone


async def _register(phone: httpx.AsyncClient, personal_id: str) -> httpx.Response:
    return await phone.post(
        f"{API}/level1/dependants",
        json={"personal_id": personal_id},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )


async def _account(db, citizen_id) -> Account | None:
    async with db.unit_of_work() as session:
        return await session.scalar(select(Account).where(Account.citizen_id == citizen_id))


async def test_a_father_registers_his_child_under_14(db, app):
    father = await create_holder(db, app, given="Bình", birth=(1980, 3, 2), phone="0912345678")
    child = await create_citizen(db, given="Minh", birth=years_ago(4), father_id=father.citizen_id)
    phone = await _app_token(app, father)

    answer = await _register(phone, child.personal_id)

    assert answer.status_code == 201, answer.text
    assert (answer.json()["state"], answer.json()["relation"]) == ("approved", "father")
    account = await _account(db, child.id)
    assert account is not None
    assert (account.level, account.phone, account.status) == (1, "0912345678", "pending")
    # The child's initial password comes to the father's phone.
    assert initial_password_in(await last_sms(db, "0912345678"))
    async with db.unit_of_work() as session:
        registration = await session.scalar(
            select(Level1Registration).where(Level1Registration.citizen_id == child.id)
        )
    assert registration is not None
    assert (registration.channel, registration.guardian_account_id) == (
        "guardian",
        father.account_id,
    )
    assert "level1.registered_by_guardian" in await actions(db, child.id)


async def test_a_guardian_registers_an_adult_ward(db, app):
    guardian = await create_holder(db, app, given="Hùng", birth=(1970, 1, 1))
    ward = await create_citizen(
        db, given="Tâm", birth=(1995, 6, 1), guardian_id=guardian.citizen_id
    )
    phone = await _app_token(app, guardian)
    answer = await _register(phone, ward.personal_id)
    assert (answer.status_code, answer.json()["relation"]) == (201, "guardian")
    assert (await _account(db, ward.id)).level == 1  # type: ignore[union-attr]


async def test_who_may_not_register(db, app):
    mother = await create_holder(
        db, app, family="Trần", middle="Thị", given="Thủy", sex="F", birth=(1982, 7, 9)
    )
    phone = await _app_token(app, mother)
    stranger_child = await create_citizen(db, given="Khoa", birth=years_ago(5))
    teenager = await create_citizen(
        db, given="Long", birth=years_ago(14), mother_id=mother.citizen_id
    )
    cases = {
        stranger_child.personal_id: (403, "not-guardian"),
        "001090999999": (403, "not-guardian"),  # nobody: the same answer
        mother.personal_id: (403, "not-guardian"),
        teenager.personal_id: (409, "dependant-too-old"),
        "12": (422, "validation-error"),
    }
    for personal_id, (status, kind) in cases.items():
        answer = await _register(phone, personal_id)
        assert (answer.status_code, answer.json()["type"]) == (status, PROBLEM + kind), personal_id
    assert await _account(db, stranger_child.id) is None
    assert await _account(db, teenager.id) is None


async def test_a_level1_parent_and_a_child_with_an_account_are_refused(db, app):
    father = await create_holder(db, app, given="Bình", birth=(1980, 3, 2), level=1)
    child = await create_citizen(db, given="An", birth=years_ago(8), father_id=father.citizen_id)
    answer = await _register(await _app_token(app, father), child.personal_id)
    assert (answer.status_code, answer.json()["type"]) == (403, PROBLEM + "level-2-required")

    parent = await create_holder(db, app, given="Cường", birth=(1981, 3, 2), phone="0912111222")
    kid = await create_holder(
        db, app, given="Dung", birth=years_ago(10), phone="0912111333", activate=False
    )
    async with db.unit_of_work() as session:
        row = await session.get(Citizen, kid.citizen_id)
        row.father_id = parent.citizen_id  # type: ignore[union-attr]
    answer = await _register(await _app_token(app, parent), kid.personal_id)
    assert (answer.status_code, answer.json()["type"]) == (409, PROBLEM + "account-exists")


async def test_the_page_for_parents(client, db, app):
    mother = await create_holder(
        db, app, family="Lê", middle="Thị", given="Hoa", sex="F", birth=(1985, 2, 2)
    )
    child = await create_citizen(db, given="Nam", birth=years_ago(3), mother_id=mother.citizen_id)
    assert (await client.get("/me/dependants/register")).status_code == 303  # sign in first
    await sign_in_web(client, mother)
    page = await client.get("/me/dependants/register")
    assert page.status_code == 200 and 'id="register-dependant"' in page.text
    refused = await client.post("/me/dependants/register", data={"personal_id": "001090999999"})
    assert refused.status_code == 403
    assert "does not record you as this person" in refused.text
    done = await client.post("/me/dependants/register", data={"personal_id": child.personal_id})
    assert done.status_code == 303
    shown = await client.get(done.headers["location"])
    assert "The level-1 account was created." in shown.text
    assert (await _account(db, child.id)).level == 1  # type: ignore[union-attr]
