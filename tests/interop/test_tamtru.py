"""The demo public service (`src/tamtru`, Authlib's Starlette client) against the real
provider: "Sign in with dinhdanh" fills the temporary-residence form from the claims, the
citizen completes and files it, and signing out ends the provider's session too."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.interop.conftest import Browser, Provider, query_of

pytestmark = pytest.mark.e2e


# First: a consent given later is remembered and would skip the consent page.
def test_refusing_consent_is_a_friendly_page(
    tamtru: str, provider: Provider, browser: Browser
) -> None:
    start = browser.http.get(f"{tamtru}/auth/login")
    callback = browser.authorize(
        start.headers["location"],
        provider.people["level2"],
        until=f"{tamtru}/auth/callback",
        decision="deny",
    )
    assert query_of(callback)["error"] == "access_denied"
    page = browser.http.get(callback)
    assert "Bạn chưa cho phép đăng nhập" in page.text  # Vietnamese, the default


def _value(html: str, field: str) -> str:
    found = re.search(rf'<input[^>]* name="{field}"[^>]* value="([^"]*)"', html)
    assert found, field
    return found.group(1)


def test_sign_in_fills_the_form_and_the_citizen_files_it(
    tamtru: str, provider: Provider, browser: Browser
) -> None:
    http = browser.http
    start = http.get(f"{tamtru}/auth/login")
    assert start.status_code in (302, 303)
    authorize = start.headers["location"]
    assert authorize.startswith(f"{provider.url}/oidc/authorize?")
    assert query_of(authorize)["code_challenge_method"] == "S256"

    callback = browser.authorize(
        authorize, provider.people["level2"], until=f"{tamtru}/auth/callback"
    )
    landed = http.get(callback)
    assert landed.status_code in (302, 303), landed.text
    form = http.get(tamtru + landed.headers["location"].removeprefix(tamtru))
    assert form.status_code == 200
    assert _value(form.text, "personal_id") == provider.people["level2"]
    assert "Lê Thị Hoa" in form.text

    today = dt.date.today()
    declaration = {
        "csrf_token": _value(form.text, "csrf_token"),
        "mode": "self",
        "phone": "0987654321",
        "email": "hoa@example.vn",
        "province": "01",
        "commune": "00008",
        "street": "Số 3, ngõ 12, phố Hoàng Hoa Thám",
        "stay_from": today.isoformat(),
        "stay_until": (today + dt.timedelta(days=180)).isoformat(),
        "legal_basis": "consent",
        "owner_name": "Trần Văn Bình",
        "owner_personal_id": "001075001234",
        "household": "new",
        "pledge": "yes",
    }
    filed = http.post(f"{tamtru}/form", data=declaration)
    assert filed.status_code == 303, filed.text
    receipt = http.get(tamtru + filed.headers["location"].removeprefix(tamtru))
    assert re.search(r"TT-\d{8}-[A-Z0-9]{6}", receipt.text)

    # Signing out goes through the provider's logout and back; the provider's session ends.
    out = http.post(
        f"{tamtru}/auth/logout", data={"csrf_token": _value(receipt.text, "csrf_token")}
    )
    assert out.status_code in (302, 303)
    assert out.headers["location"].startswith(f"{provider.url}/oidc/logout?")
    back = http.get(out.headers["location"])
    assert back.headers["location"].startswith(f"{tamtru}/")
    assert http.get(f"{provider.url}/me").status_code in (302, 303, 401)
