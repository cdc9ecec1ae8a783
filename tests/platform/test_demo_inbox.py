"""The demo inbox shows what the file sinks delivered; outside demo mode it does not exist."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from dinhdanh.app import create_app
from dinhdanh.platform import outbox
from dinhdanh.platform.clock import FrozenClock
from tests.factories.accounts import create_holder
from tests.factories.clock import stopped_at


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    """A clock the test moves, so that messages get distinct, ordered times."""
    with stopped_at(dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC)) as moving:
        yield moving


@pytest.fixture
async def demo_app(settings, db, kv, tmp_path):
    """The app in demo mode, writing its SMS and e-mails under a folder of its own."""
    return create_app(
        settings.model_copy(update={"demo": True, "data_dir": tmp_path}), db=db, kv=kv
    )


@pytest.fixture
async def demo_client(demo_app) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of the demo app, reading English."""
    transport = httpx.ASGITransport(app=demo_app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"Accept-Language": "en"}
    ) as c:
        yield c


async def test_inbox_shows_delivered_messages_newest_first(db, demo_app, demo_client, frozen):
    async with db.unit_of_work() as session:
        await outbox.enqueue(session, channel="sms", recipient="0987654321", body="First: 111111")
    await outbox.drain(db, demo_app.state.notifier)
    frozen.advance(seconds=5)
    async with db.unit_of_work() as session:
        await outbox.enqueue(
            session, channel="email", recipient="an@example.vn", subject="Hello", body="Second"
        )
    await outbox.drain(db, demo_app.state.notifier)

    page = await demo_client.get("/demo/inbox")
    assert page.status_code == 200
    assert "0987654321" in page.text and "First: 111111" in page.text
    assert "an@example.vn" in page.text and "Hello" in page.text
    assert page.text.index("Second") < page.text.index("First: 111111")
    assert "01/03/2025 09:30:00" in page.text  # Vietnam time of the first message

    only = await demo_client.get("/demo/inbox", params={"to": "an@example.vn"})
    assert "Second" in only.text and "First: 111111" not in only.text


async def test_newcomer_finds_the_initial_password(db, demo_app, demo_client):
    holder = await create_holder(db, demo_app, phone="0971112233", activate=False)
    await outbox.drain(db, demo_app.state.notifier)
    page = await demo_client.get("/demo/inbox", params={"to": "0971112233"})
    assert holder.password in page.text
    assert "initial password" in page.text


async def test_inbox_does_not_exist_outside_demo_mode(client, app):
    assert app.state.settings.demo is False
    assert (await client.get("/demo/inbox")).status_code == 404
