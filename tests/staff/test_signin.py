"""Staff sign-in: password then TOTP, lockouts, replay, disabled staff, revocation."""

from __future__ import annotations

from sqlalchemy import select

from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.web import STAFF_COOKIE
from dinhdanh.staff.models import Staff
from tests.factories.staff import (
    make_staff,
    sign_in,
    submit_code,
    submit_password,
    totp_code,
)


async def _actions(db, action: str) -> list[AuditEvent]:
    async with db.unit_of_work() as session:
        return list(await session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


async def test_officer_signs_in_with_password_then_totp(client, db, officer_login):
    first = await submit_password(client, officer_login.username, officer_login.password)
    assert first.status_code == 303
    assert first.headers["location"] == "/login/totp"
    # Half-way through, the registry is still closed.
    assert (await client.get("/admin/audit")).status_code == 303
    page = await client.get("/login/totp")
    assert "canbo" in page.text
    done = await submit_code(client, totp_code(officer_login.secret))
    assert done.status_code == 303
    assert done.headers["location"] == "/registry"
    start = await client.get("/")
    assert start.headers["location"] == "/registry"
    events = await _actions(db, "staff.signed_in")
    assert [e.subject_id for e in events] == [officer_login.id]
    assert events[0].client_ip == "203.0.113.7"


async def test_session_id_rotates_at_sign_in(client, app, officer_login):
    await submit_password(client, officer_login.username, officer_login.password)
    pending = client.cookies.get(STAFF_COOKIE)
    await submit_code(client, totp_code(officer_login.secret))
    signed_in = client.cookies.get(STAFF_COOKIE)
    assert pending and signed_in and pending != signed_in
    assert await app.state.staff_sessions.get(pending) is None
    data = await app.state.staff_sessions.get(signed_in)
    assert data.extra["verified"] is True
    assert data.extra["roles"] == ["officer"]
    assert data.extra["unit"] == "CAX-00004"
    assert data.extra["scope"] == ["commune", "01", "00004"]


async def test_wrong_password_and_unknown_user_get_the_same_answer(client, db, officer_login):
    wrong = await submit_password(client, officer_login.username, "not the password at all")
    unknown = await submit_password(client, "nobody-here", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    message = "The username or password is incorrect."
    client.cookies.set("dd_lang", "en")
    wrong_en = await submit_password(client, officer_login.username, "nope nope nope")
    unknown_en = await submit_password(client, "nobody-here", "nope nope nope")
    assert message in wrong_en.text and message in unknown_en.text
    assert wrong_en.text.replace(officer_login.username, "X") == unknown_en.text.replace(
        "nobody-here", "X"
    )
    failures = await _actions(db, "staff.sign_in_failed")
    assert {e.data["reason"] for e in failures} == {"bad_password", "unknown_user"}
    assert STAFF_COOKIE not in client.cookies


async def test_failed_sign_in_is_audited_although_refused(client, db, officer_login):
    response = await submit_password(client, officer_login.username, "wrong wrong wrong")
    assert response.status_code == 401
    (event,) = await _actions(db, "staff.sign_in_failed")
    assert event.subject_id == officer_login.id
    assert event.data == {"username": "canbo", "step": "password", "reason": "bad_password"}


async def test_account_locks_after_the_threshold(client, db, settings, officer_login):
    for _ in range(settings.lockout_threshold):
        assert (await submit_password(client, "canbo", "wrong password!!")).status_code == 401
    locked = await submit_password(client, "canbo", officer_login.password)
    assert locked.status_code == 429
    assert STAFF_COOKIE not in client.cookies
    (event,) = await _actions(db, "staff.sign_in_locked_out")
    assert event.data["reason"] == "account-locked-out"


async def test_lockout_is_per_account_not_per_person(client, db, app, settings, officer_login):
    other = await make_staff(db, app, username="canbo2")
    for _ in range(settings.lockout_threshold):
        await submit_password(client, "canbo", "wrong password!!")
    assert (await sign_in(client, other)).status_code == 303


async def test_address_is_throttled_across_accounts(strict_client, strict_app, db):
    victim = await make_staff(db, strict_app, username="victim")
    for name in ("a-user", "b-user", "c-user", "d-user"):
        assert (await submit_password(strict_client, name, "guess guess guess")).status_code == 401
    refused = await submit_password(strict_client, victim.username, victim.password)
    assert refused.status_code == 429
    events = await _actions(db, "staff.sign_in_locked_out")
    assert events[-1].data["reason"] == "address-throttled"


async def test_wrong_totp_codes_count_towards_lockout(strict_client, strict_app, db):
    login = await make_staff(db, strict_app, username="slowfinger")
    await submit_password(strict_client, login.username, login.password)
    for _ in range(3):
        assert (await submit_code(strict_client, "000000")).status_code in (401, 429)
    again = await submit_password(strict_client, login.username, login.password)
    assert again.status_code == 429


async def test_totp_code_cannot_be_replayed(client, other_client, officer_login):
    assert (await sign_in(client, officer_login)).status_code == 303
    await submit_password(other_client, officer_login.username, officer_login.password)
    replay = await submit_code(other_client, totp_code(officer_login.secret))
    assert replay.status_code == 401
    assert "already used" in replay.text or "đã được dùng" in replay.text
    # The next step's code works.
    assert (await submit_code(other_client, totp_code(officer_login.secret, 1))).status_code == 303


async def test_disabled_staff_cannot_sign_in(client, db, app):
    login = await make_staff(db, app, username="nghiviec", disabled=True)
    response = await submit_password(client, login.username, login.password)
    assert response.status_code == 403
    assert STAFF_COOKIE not in client.cookies
    (event,) = await _actions(db, "staff.sign_in_failed")
    assert event.data["reason"] == "disabled"


async def test_revoked_session_stops_working_at_once(admin, other_client, officer_login, frozen):
    assert (await sign_in(other_client, officer_login)).status_code == 303
    assert (await other_client.get("/account/sessions")).status_code == 200
    revoke = await admin.post(f"/admin/staff/{officer_login.id}/revoke-sessions")
    assert revoke.status_code == 303
    after = await other_client.get("/account/sessions")
    assert after.status_code == 303
    assert after.headers["location"].startswith("/login")


async def test_demo_code_is_shown_only_in_demo_mode(client, app, officer_login):
    await submit_password(client, officer_login.username, officer_login.password)
    assert "Demo" not in (await client.get("/login/totp")).text
    app.state.settings = app.state.settings.model_copy(update={"demo": True})
    client.cookies.set("dd_lang", "en")
    before = totp_code(officer_login.secret)
    page = await client.get("/login/totp")
    after = totp_code(officer_login.secret)  # the 30 s step may turn during the request
    shown = {f"Demo: current code for this account is {c}" for c in (before, after)}
    assert any(text in page.text for text in shown)


async def test_next_keeps_local_paths_only(client, officer_login):
    await submit_password(
        client, officer_login.username, officer_login.password, next="/registry?q=an"
    )
    done = await submit_code(client, totp_code(officer_login.secret), next="/registry?q=an")
    assert done.headers["location"] == "/registry?q=an"


async def test_next_to_another_site_is_ignored(client, officer_login):
    page = await client.get("/login?next=//evil.example/x")
    assert 'name="next" value=""' in page.text
    await submit_password(client, officer_login.username, officer_login.password)
    done = await submit_code(client, totp_code(officer_login.secret), next="https://evil.example")
    assert done.headers["location"] == "/registry"


async def test_totp_step_without_password_goes_back_to_sign_in(client):
    assert (await client.get("/login/totp")).headers["location"] == "/login"
    response = await submit_code(client, "123456")
    assert response.status_code == 401
    assert 'action="/login"' in response.text


async def test_logout_ends_the_session(client, app, db, officer_login):
    await sign_in(client, officer_login)
    sid = client.cookies.get(STAFF_COOKIE)
    out = await client.post("/logout")
    assert out.status_code == 303
    assert await app.state.staff_sessions.get(sid) is None
    assert (await client.get("/")).headers["location"] == "/login"
    assert len(await _actions(db, "staff.signed_out")) == 1


async def test_own_sessions_can_be_listed_and_ended(client, other_client, officer_login):
    await sign_in(client, officer_login)
    await sign_in(other_client, officer_login, step=1)
    page = await client.get("/account/sessions")
    assert page.text.count('/end"') == 2
    handles = [part.split("/end")[0] for part in page.text.split('action="/account/sessions/')[1:]]
    current_sid = client.cookies.get(STAFF_COOKIE)
    assert all(current_sid not in page.text for _ in handles)
    # End the other browser's session (the one not marked as this session).
    for handle in handles:
        row = page.text.split(f"/account/sessions/{handle}/end")[0].rsplit("<tr>", 1)[1]
        if "badge ok" not in row:
            assert (await client.post(f"/account/sessions/{handle}/end")).status_code == 303
    assert (await other_client.get("/account/sessions")).status_code == 303
    assert (await client.get("/account/sessions")).status_code == 200


async def test_api_sign_in(client, db, officer_login):
    bad = await client.post("/api/v1/auth/login", json={"username": "canbo", "password": "x" * 12})
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["type"].endswith("/invalid-credentials")
    ok = await client.post(
        "/api/v1/auth/login", json={"username": "canbo", "password": officer_login.password}
    )
    assert ok.status_code == 200 and ok.json() == {"next": "totp"}
    done = await client.post("/api/v1/auth/totp", json={"code": totp_code(officer_login.secret)})
    assert done.status_code == 200
    assert done.json()["scope"] == ["commune", "01", "00004"]
    assert (await client.get("/api/v1/staff")).status_code == 403
    assert len(await _actions(db, "staff.sign_in_failed")) == 1


async def test_password_rehashed_when_parameters_change(client, app, db, officer_login):
    app.state.hasher = type(app.state.hasher)(memory_kib=8 * 1024, time_cost=1, parallelism=1)
    assert (await sign_in(client, officer_login)).status_code == 303
    async with db.unit_of_work() as session:
        stored = await session.scalar(select(Staff.password_hash).where(Staff.username == "canbo"))
    assert "m=8192,t=1,p=1" in stored


async def test_signing_in_again_drops_the_previous_session(client, app, officer_login, frozen):
    await sign_in(client, officer_login)
    first = client.cookies.get(STAFF_COOKIE)
    frozen.advance(seconds=30)
    await sign_in(client, officer_login)
    assert await app.state.staff_sessions.get(first) is None
    assert len(await app.state.staff_sessions.list_for(officer_login.id)) == 1
