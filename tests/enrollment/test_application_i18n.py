"""Every message of the office's pages, services and SMS has a Vietnamese translation, and
the pages read in Vietnamese by default."""

from __future__ import annotations

from importlib import resources

from jinja2.ext import babel_extract

from dinhdanh.platform import i18n
from tests.accounts.test_i18n import _python_messages
from tests.enrollment.office import open_via_api, registry_person

MODULES = (
    "application_models", "applications", "approval", "biometrics", "capture",
    "capture_pages", "card_pages", "card_print", "card_records", "labels", "officer_api",
    "officer_pages", "status_pages", "steps", "time_limits", "tracking", "web",
)  # fmt: skip
TEMPLATES = (
    "application", "capture", "card_print", "decision", "list", "new", "record_card",
    "scan", "status",
)  # fmt: skip


def _messages() -> set[str]:
    root = resources.files("dinhdanh")
    found: set[str] = set()
    for name in TEMPLATES:
        with (root / "templates" / "enrollment" / f"{name}.html").open("rb") as fh:
            for _, _, message, _ in babel_extract(fh, ["_"], [], {}):
                text = message[-1] if isinstance(message, tuple) else message
                if text:
                    found.add(text)
    for name in MODULES:
        found |= _python_messages((root / "enrollment" / f"{name}.py").read_text("utf-8"))
    found |= _python_messages((root / "population" / "updates.py").read_text("utf-8"))
    return found


def test_every_office_message_is_translated():
    messages = _messages()
    assert len(messages) > 200
    vietnamese = i18n.catalog("vi")
    assert sorted(m for m in messages if m not in vietnamese) == []


async def test_the_application_page_reads_in_vietnamese(db, officers):
    person = await registry_person(db)
    clerk = await officers()
    application = (await open_via_api(clerk, person.id)).json()
    clerk.headers["Accept-Language"] = "vi"
    page = await clerk.get(f"/officer/applications/{application['id']}")
    assert "Thu nhận sinh trắc học" in page.text and "Đang thu nhận" in page.text
    listed = await clerk.get("/officer/applications")
    assert "Hồ sơ cấp thẻ của đơn vị" in listed.text
