"""Level-1 registration in Chromium, on the real demo server: a demo resident registers
with their card's chip files and a selfie and waits for the officer's face check; another
uploads a chip whose DG13 was altered and is refused, the page naming the failed check.

The chip files are what the card's record offers for download: here made in a child
process by the real card production (`produce_card`, signed by the server's Document
Signer) from the residents' registry data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.helpers import sms_matching
from tests.enrollment.helpers import tiny_png
from tests.servers import Server, run_script, server_env

pytestmark = pytest.mark.e2e

# Run in a child process (its own event loop, the server's data folder and secret key):
# the chip files of each given resident's valid card, and a DG13 altered after signing.
MAKE_CHIPS = """
import asyncio, json, sys
from dataclasses import replace
from pathlib import Path
from sqlalchemy import select
from dinhdanh.enrollment import chip
from dinhdanh.enrollment.card import CardData, produce_card
from dinhdanh.platform.db import Database, make_engine
from dinhdanh.population.models import Citizen, IdCard
from dinhdanh.settings import Settings
from tests.enrollment.helpers import tiny_png

async def main(out, pids):
    settings = Settings()
    db = Database(make_engine(settings.resolved_database_url))
    made = {}
    async with db.unit_of_work() as session:
        for pid in pids:
            c = await session.scalar(select(Citizen).where(Citizen.personal_id == pid))
            card = await session.scalar(
                select(IdCard).where(IdCard.citizen_id == c.id, IdCard.status == "valid")
            )
            data = CardData(
                personal_id=pid, family_name=c.family_name, middle_name=c.middle_name,
                given_name=c.given_name, birth_year=c.birth_year, birth_month=c.birth_month,
                birth_day=c.birth_day, sex=c.sex, nationality="Việt Nam", ethnicity="Kinh",
                religion="Không", place_of_origin="", residence=c.permanent_address,
                issue_date=card.issue_date, expiry=card.expiry_date, father_name="",
                mother_name="", face_image=tiny_png(320, 400),
            )
            produced = await produce_card(data, session=session, cipher=settings.field_cipher())
            folder = Path(out) / pid
            folder.mkdir(parents=True)
            files = {"EF_DG1.bin": produced.dg1, "EF_DG2.bin": produced.dg2,
                     "EF_DG13.bin": produced.dg13, "EF_SOD.bin": produced.sod}
            for name, raw in files.items():
                (folder / name).write_bytes(raw)
            altered = replace(chip.parse_dg13(produced.dg13), full_name="Trần Văn Giả")
            (folder / "forged").mkdir()
            for name, raw in files.items():
                raw = chip.build_dg13(altered) if name == "EF_DG13.bin" else raw
                (folder / "forged" / name).write_bytes(raw)
            made[pid] = str(folder)
    await db.dispose()
    print(json.dumps(made))

asyncio.run(main(sys.argv[1], sys.argv[2:]))
"""
CODE = re.compile(r"\b(\d{6})\b")


def _residents(server: Server, count: int) -> list[str]:
    """Adults of the demo officer's commune with a valid card and a full birth date, and
    no account (the first by personal ID; the officer-lock test takes the last)."""
    rows = server.query(
        "SELECT c.personal_id FROM citizens c JOIN id_cards k ON k.citizen_id = c.id "
        "WHERE c.permanent_commune_code = '00004' AND c.status = 'living' "
        "AND c.birth_day IS NOT NULL AND c.birth_year BETWEEN 1950 AND 2000 "
        "AND k.status = 'valid' AND (k.expiry_date IS NULL OR k.expiry_date > ?) "
        "AND c.id NOT IN (SELECT citizen_id FROM accounts) "
        "AND c.id NOT IN (SELECT citizen_id FROM level1_registrations "
        "WHERE citizen_id IS NOT NULL) "
        "ORDER BY c.personal_id LIMIT ?",
        (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        count,
    )
    assert len(rows) == count, "the demo population has too few residents to pick from"
    return [r[0] for r in rows]


def _make_chips(server: Server, out: Path, pids: list[str]) -> dict[str, Path]:
    made = run_script(MAKE_CHIPS, server_env(server.data_dir), str(out), *pids)
    return {pid: Path(p) for pid, p in made.items()}


async def _to_card_step(page: Page, server: Server, personal_id: str, phone: str) -> None:
    await page.goto("/register")
    await page.fill("#personal_id", personal_id)
    await page.fill("#phone", phone)
    await page.click("#start")
    await page.wait_for_url("**/register/phone")
    await page.fill("#code", await sms_matching(server, phone, CODE))
    await page.click("#verify")
    await page.wait_for_url("**/register/card")


async def test_level1_registration_with_a_genuine_and_a_forged_chip(
    browser: Browser, server: Server, tmp_path: Path
):
    genuine, forger = _residents(server, 2)
    chips = _make_chips(server, tmp_path, [genuine, forger])
    selfie = tmp_path / "selfie.png"
    selfie.write_bytes(tiny_png(480, 640))
    shots = server.data_dir

    vi = await browser.new_context(base_url=server.url, locale="vi-VN")
    en = await browser.new_context(base_url=server.url, locale="en-US")
    try:
        page = await vi.new_page()
        await _to_card_step(page, server, genuine, "0912" + genuine[-6:])
        await page.set_input_files("#chip", sorted(chips[genuine].glob("*.bin")))
        await page.set_input_files("#selfie", selfie)
        await page.screenshot(path=str(shots / "level1-card-vi.png"), full_page=True)
        await page.click("#submit-card")
        await page.wait_for_url("**/register/status")
        await expect(page.locator("#state")).to_have_attribute("data-state", "face_check")
        await expect(page.locator("#checks")).to_contain_text("Chip của thẻ là thật")
        await page.screenshot(path=str(shots / "level1-status-vi.png"), full_page=True)

        page = await en.new_page()
        await _to_card_step(page, server, forger, "0913" + forger[-6:])
        await page.set_input_files("#chip", sorted((chips[forger] / "forged").glob("*.bin")))
        await page.set_input_files("#selfie", selfie)
        await page.click("#submit-card")
        refusal = page.locator("#refusal")
        await expect(refusal).to_have_attribute("data-type", "chip-dg-hash")
        await expect(refusal).to_contain_text("Data group 13 of the chip has been altered.")
        await expect(refusal).to_contain_text("Attempts left: 4")
        await page.screenshot(path=str(shots / "level1-refused-en.png"), full_page=True)
    finally:
        await vi.close()
        await en.close()
    (pending,) = server.query(
        "SELECT count(*) FROM face_checks f JOIN citizens c ON c.id = f.citizen_id "
        "WHERE c.personal_id IN (?, ?) AND f.status = 'pending'",
        genuine,
        forger,
    )[0]
    assert pending == 1
