"""The whole office flow in Chromium, on the real `dinhdanh serve`: the commune officer opens
a renewal with an account wish from the citizen's record, takes the face photo with the
browser's camera (Chromium's fake media stream), uploads two fingerprints and submits;
a second officer of the same unit approves; the card appears in the record with its QR,
MRZ and chip files, and the initial-password SMS goes out."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright, expect

from dinhdanh.staff.service import DEMO_STAFF
from tests.e2e.conftest import CHROMIUM, FLAGS
from tests.e2e.helpers import sms_matching, staff_signs_in
from tests.enrollment.helpers import tiny_png

pytestmark = pytest.mark.e2e
CAMERA_FLAGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
CHIEF = ("kiemduyet.e2e", "Kiem-Duyet-Ho-So-2026!")
PHONE = "0983000111"


@pytest.fixture(scope="module")
async def camera_browser() -> AsyncIterator[Browser]:
    """Chromium with a fake camera that needs no permission prompt."""
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS + CAMERA_FLAGS)
        yield chromium
        await chromium.close()


def _second_officer(server) -> str:
    """`dinhdanh staff create --password` for another officer of Phường Ba Đình; the TOTP
    secret it prints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DINHDANH_")}
    env["DINHDANH_DATA_DIR"] = str(server.data_dir)
    username, password = CHIEF
    done = subprocess.run(
        [
            sys.executable, "-m", "dinhdanh", "staff", "create", "--username", username,
            "--full-name", "Phạm Minh Duyệt", "--email", "duyet@example.vn", "--role", "officer",
            "--unit", "CAX-00004", "--password",
        ],
        input=f"{password}\n{password}\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return re.search(r"authenticator app: ([A-Z2-7]+)", done.stdout)[1]  # type: ignore[index]


async def test_open_capture_with_the_camera_approve_and_see_the_card(camera_browser, server):
    (citizen_id, pid) = server.query(
        "SELECT id, personal_id FROM citizens c WHERE permanent_commune_code = '00004' "
        "AND status = 'living' AND birth_year BETWEEN 1960 AND 2000 AND birth_day IS NOT NULL "
        "AND id NOT IN (SELECT citizen_id FROM accounts) "
        "AND EXISTS (SELECT 1 FROM id_cards k WHERE k.citizen_id = c.id AND k.status = 'valid') "
        "ORDER BY personal_id LIMIT 1"
    )[0]
    citizen_id = str(uuid.UUID(str(citizen_id)))  # SQLite stores it as 32 hex digits
    secret = _second_officer(server)
    clerk_login = next(s for s in DEMO_STAFF if s.username == "officer")
    shots = server.data_dir
    clerk_ctx = await camera_browser.new_context(base_url=server.url, locale="vi-VN")
    chief_ctx = await camera_browser.new_context(base_url=server.url, locale="en-US")
    try:
        clerk = await clerk_ctx.new_page()
        await staff_signs_in(
            clerk, clerk_login.username, clerk_login.password, clerk_login.totp_secret
        )
        await clerk.goto(f"/registry/citizens/{citizen_id}")
        await expect(clerk.locator("#personal-id")).to_have_text(pid)
        await clerk.click("#new-application")
        await clerk.select_option("#kind", "renew")
        await clerk.select_option("#reason", "data_changed")
        await clerk.fill("#phone", PHONE)
        await clerk.check("#wants-account")
        await clerk.screenshot(path=str(shots / "office-new-vi.png"), full_page=True)
        await clerk.click("#open-application button[type=submit]")
        await clerk.wait_for_url("**/officer/applications/*?done=opened")
        application_url = clerk.url.split("?")[0]
        reference = (await clerk.locator("#reference").inner_text()).strip()

        # The face from the camera: the fake device's picture, drawn and sent as a JPEG.
        await clerk.click("#camera-start")
        await expect(clerk.locator("#camera-video")).to_be_visible()
        await expect(clerk.locator("#camera-shoot")).to_be_visible()  # a frame has arrived
        async with clerk.expect_navigation():
            await clerk.click("#camera-shoot")
        await expect(clerk.locator("#img-face")).to_be_visible()
        await expect(clerk.locator("#biometrics figcaption").first).to_contain_text("Máy ảnh")
        for finger in ("right_index", "left_index"):
            await clerk.select_option("#finger-position", finger)
            await clerk.set_input_files(
                "#finger-file",
                files=[{"name": f"{finger}.png", "mimeType": "image/png",
                        "buffer": tiny_png(200, 260)}],
            )  # fmt: skip
            async with clerk.expect_navigation():
                await clerk.click("#finger-upload")
        await clerk.screenshot(path=str(shots / "office-capture-vi.png"), full_page=True)
        async with clerk.expect_navigation():
            await clerk.click("#submit-application")
        await expect(clerk.locator("#status")).to_have_text("Chờ phê duyệt")
        await expect(clerk.locator("#four-eyes")).to_be_visible()
        await expect(clerk.locator("#approve")).to_have_count(0)

        # The second officer of the unit approves (the browser asks first).
        chief = await chief_ctx.new_page()
        await staff_signs_in(chief, CHIEF[0], CHIEF[1], secret)
        await chief.goto("/officer/applications")
        await expect(chief.locator("#applications")).to_contain_text(reference)
        await chief.screenshot(path=str(shots / "office-list-en.png"), full_page=True)
        await chief.goto(application_url)
        await chief.screenshot(path=str(shots / "office-decision-en.png"), full_page=True)
        chief.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await chief.click("#approve")
        await chief.wait_for_url("**done=approved")
        await expect(chief.locator("#status")).to_have_text("Approved")
        await chief.click("#see-card")
        card = chief.locator("#card-section")
        await expect(card.locator("figure.card-qr svg")).to_be_visible()
        await expect(card.locator("pre.mrz")).to_contain_text(f"IDVNM{pid[3:]}")
        await expect(card.locator("#download-sod")).to_be_visible()
        await chief.screenshot(path=str(shots / "office-card-en.png"), full_page=True)
        await chief.click("#print-card")
        for side in ("#card-front", "#card-back"):  # both SVGs loaded, and drawn
            await expect(chief.locator(side)).to_have_js_property("complete", True)
            assert await chief.locator(side).evaluate("img => img.naturalWidth") > 0
        await chief.screenshot(path=str(shots / "office-print-en.png"), full_page=True)

        # The clerk sees the card in the record too; the applicant follows the application.
        await clerk.goto(f"/registry/citizens/{citizen_id}#card-section")
        await expect(clerk.locator("#card-section h3")).to_contain_text(pid)
        await clerk.screenshot(path=str(shots / "office-card-vi.png"), full_page=True)
        visitor = await clerk_ctx.new_page()
        await visitor.goto("/applications/status")
        await visitor.fill("#reference", reference)
        await visitor.fill("#personal_id", pid)
        await visitor.click("#status-form button[type=submit]")
        await expect(visitor.locator("#state")).to_have_text("Đã phê duyệt")
        await visitor.screenshot(path=str(shots / "office-status-vi.png"), full_page=True)

        # The applicant's initial password is on its way.
        assert await sms_matching(server, PHONE, re.compile("initial password"))
    finally:
        await clerk_ctx.close()
        await chief_ctx.close()
