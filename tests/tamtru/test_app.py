"""The service's pages and its sign-in, against the fake provider."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from joserfc.jwk import ECKey

from tamtru import form, i18n, problems
from tamtru.app import create_app
from tamtru.settings import Settings
from tests.tamtru.conftest import (
    CLIENT_ID,
    ISSUER,
    SERVICE,
    FakeProvider,
    browser,
    csrf_of,
    sign_in,
)

SRC = Path(form.__file__).parent


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def input_of(html: str, field_id: str) -> str:
    """The <input> tag of a field."""
    found = re.search(rf'<input[^>]* id="{field_id}"[^>]*>', html)
    assert found, field_id
    return found.group(0)


def valid_declaration(csrf: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "mode": "self",
        "phone": "0912345678",
        "email": "minhanh@example.vn",
        "province": "01",
        "commune": "00004",
        "street": "Số 12, ngõ 5, phố Đội Cấn",
        "stay_from": "2025-09-15",
        "stay_until": "2026-09-14",
        "legal_basis": "consent",
        "owner_name": "Trần Văn Bình",
        "owner_personal_id": "001075001234",
        "household": "new",
        "pledge": "yes",
    }


async def test_sign_in_asks_for_code_with_pkce_nonce_and_level(service: httpx.AsyncClient) -> None:
    start = await service.get("/auth/login")
    assert start.status_code == 302
    location = start.headers["location"]
    assert location.startswith(f"{ISSUER}/oidc/authorize?")
    params = query_of(location)
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"{SERVICE}/auth/callback"
    assert set(params["scope"].split()) >= {"openid", "profile", "identity", "residence"}
    assert params["code_challenge_method"] == "S256"
    assert re.fullmatch(r"[\w-]{43}", params["code_challenge"])
    assert params["nonce"] and params["state"]
    assert params["acr_values"] == "urn:dinhdanh:loa:2"
    assert params["ui_locales"] == "vi"


async def test_signing_in_fills_the_form_and_marks_the_prefilled_fields(
    service: httpx.AsyncClient, provider: FakeProvider
) -> None:
    done = await sign_in(service, provider)
    assert done.status_code == 303
    assert done.headers["location"] == "/form"
    sent = provider.token_requests[0]
    assert sent["authorization"].startswith("Basic ")  # client_secret_basic
    assert "client_secret" not in sent["form"]
    assert sent["form"]["code_verifier"]

    page = await service.get("/form")
    assert page.status_code == 200
    html = page.text
    for field_id, value in [
        ("full_name", "Nguyễn Thị Minh Anh"),
        ("personal_id", "001190012345"),
        ("birth_date", "17/05/1990"),
        ("sex", "Nữ"),
        ("permanent_residence", "Số 5 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"),
    ]:
        tag = input_of(html, field_id)
        assert f'value="{value}"' in tag and " readonly" in tag
    phone = input_of(html, "phone")  # filled in, but the citizen may change it
    assert 'value="0912345678"' in phone and "readonly" not in phone
    assert html.count("✓ dinhdanh</span>") == 7
    assert "Nguyễn Thị Minh Anh" in (await service.get("/")).text


async def test_a_declaration_is_filed_and_its_receipt_shown(
    service: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await sign_in(service, provider)
    csrf = csrf_of((await service.get("/form")).text)
    # A tampered name is ignored: the verified one is filed.
    filed = await service.post("/form", data={**valid_declaration(csrf), "full_name": "X Y"})
    assert filed.status_code == 303, filed.text
    reference = filed.headers["location"].removeprefix("/receipt/")
    assert re.fullmatch(r"TT-20250915-[A-Z2-9]{6}", reference)

    receipt = await service.get(f"/receipt/{reference}")
    assert receipt.status_code == 200
    html = receipt.text
    assert reference in html
    assert "Hồ sơ của bạn đã được nộp." in html
    assert "Công an phường Ba Đình, Thành phố Hà Nội" in html
    assert "Nguyễn Thị Minh Anh" in html and "X Y" not in html
    assert "15/09/2025 – 14/09/2026" in html
    assert "Đã tiếp nhận" in html
    # Seen again later: no "just filed" banner, and listed on the home page.
    assert "đã được nộp" not in (await service.get(f"/receipt/{reference}")).text
    assert reference in (await service.get("/")).text


async def test_mistakes_are_shown_on_the_form_again(
    service: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await sign_in(service, provider)
    csrf = csrf_of((await service.get("/form")).text)
    answer = await service.post(
        "/form", data={**valid_declaration(csrf), "commune": "00070", "street": ""}
    )
    assert answer.status_code == 422
    html = answer.text
    assert "Vui lòng sửa các ô được đánh dấu dưới đây." in html
    assert "Đây là xã, phường nơi bạn thường trú" in html
    assert 'value="Trần Văn Bình"' in html  # what was typed stays


async def test_only_the_declarant_sees_a_receipt(
    service_app, service: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await sign_in(service, provider)
    csrf = csrf_of((await service.get("/form")).text)
    reference = (await service.post("/form", data=valid_declaration(csrf))).headers["location"]
    provider.id_token_overrides["sub"] = "pairwise-subject-2"
    async with browser(service_app) as other:
        await sign_in(other, provider)
        assert (await other.get(reference)).status_code == 404
        assert (await other.get("/receipt/not-a-reference")).status_code == 404


async def test_a_form_without_its_csrf_token_is_refused(
    service: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await sign_in(service, provider)
    answer = await service.post("/form", data=valid_declaration("forged"))
    assert answer.status_code == 403
    assert (await service.post("/auth/logout", data={})).status_code == 403


@pytest.mark.parametrize(
    ("query", "status", "shown"),
    [
        ("error=access_denied&error_description=level+2+required", 403, "mức độ 2"),
        ("error=access_denied", 403, "Bạn chưa cho phép đăng nhập"),
        ("error=consent_required", 403, "Bạn chưa cho phép đăng nhập"),
        ("error=invalid_scope&error_description=<b>call+us</b>", 400, "invalid_scope"),
        ("code=abc&state=not-ours", 400, "Phiên đăng nhập đã hết hạn"),
    ],
)
async def test_provider_errors_are_friendly_pages(
    service: httpx.AsyncClient, query: str, status: int, shown: str
) -> None:
    page = await service.get(f"/auth/callback?{query}&iss={quote(ISSUER, safe='')}")
    assert page.status_code == status
    assert shown in page.text
    assert "call us" not in page.text  # the provider's free text is never echoed


async def test_an_answer_that_does_not_name_the_provider_is_refused(
    service: httpx.AsyncClient,
) -> None:
    # RFC 9207: the provider always sends `iss`; without it the answer may be another's.
    page = await service.get("/auth/callback?code=abc&state=x")
    assert page.status_code == 502
    assert "Không xác minh được việc đăng nhập" in page.text


async def test_a_level_1_sign_in_is_refused(
    service: httpx.AsyncClient, provider: FakeProvider
) -> None:
    page = await sign_in(service, provider, acr="urn:dinhdanh:loa:1")
    assert page.status_code == 403
    assert "Cần tài khoản định danh điện tử mức độ 2" in page.text
    assert (await service.get("/form")).status_code == 303  # not signed in


@pytest.mark.parametrize(
    "override",
    [{"nonce": "another-nonce"}, {"aud": "another-client"}, {"iss": "http://evil.test"}],
)
async def test_an_id_token_failing_the_checks_is_refused(
    service: httpx.AsyncClient, provider: FakeProvider, override: dict
) -> None:
    provider.id_token_overrides.update(override)
    page = await sign_in(service, provider)
    assert page.status_code == 502
    assert "Không xác minh được việc đăng nhập" in page.text
    assert (await service.get("/form")).status_code == 303


async def test_an_id_token_signed_with_a_key_not_published_is_refused(
    service: httpx.AsyncClient, provider: FakeProvider
) -> None:
    provider.signing_key = ECKey.generate_key("P-256", parameters={"kid": "k1"})
    page = await sign_in(service, provider)
    assert page.status_code == 502
    assert (await service.get("/form")).status_code == 303


async def test_sign_out_ends_both_sessions(
    service: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await sign_in(service, provider)
    csrf = csrf_of((await service.get("/")).text)
    out = await service.post("/auth/logout", data={"csrf_token": csrf})
    assert out.status_code == 302
    location = out.headers["location"]
    assert location.startswith(f"{ISSUER}/oidc/logout?")
    params = query_of(location)
    assert params["id_token_hint"] == provider.issued[-1]
    assert params["post_logout_redirect_uri"] == f"{SERVICE}/"
    assert params["client_id"] == CLIENT_ID
    assert (await service.get("/form")).status_code == 303
    back = await service.get(f"/?state={params['state']}")
    assert "Bạn đã đăng xuất khỏi dịch vụ và khỏi dinhdanh." in back.text
    # A made-up state shows no notice.
    assert "đã đăng xuất" not in (await service.get("/?state=made-up")).text


async def test_declaring_for_a_child_shows_the_declarant_and_empty_fields(
    service: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await sign_in(service, provider)
    html = (await service.get("/form?for=other")).text
    assert "Nguyễn Thị Minh Anh · Số định danh cá nhân 001190012345" in html
    name = input_of(html, "full_name")
    assert 'value=""' in name and "readonly" not in name


async def test_pages_need_a_sign_in(service: httpx.AsyncClient) -> None:
    for path in ("/form", "/receipt/TT-20250915-ABCDEF"):
        page = await service.get(path)
        assert page.status_code == 303
        assert page.headers["location"] == "/"


async def test_the_language_switch(service: httpx.AsyncClient) -> None:
    switched = await service.get("/lang/en?next=/")
    assert switched.headers["location"] == "/"
    home = await service.get("/")
    assert "Sign in with dinhdanh" in home.text
    assert '<html lang="en">' in home.text
    assert (await service.get("/lang/vi?next=//evil.test/x")).headers["location"] == "/"
    assert "Đăng nhập bằng dinhdanh" in (await service.get("/")).text


async def test_pages_carry_a_strict_policy_and_are_not_cached(service: httpx.AsyncClient) -> None:
    page = await service.get("/")
    assert "form-action 'self' http://provider.test" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert "cache-control" not in (await service.get("/static/tamtru.css")).headers


async def test_communes_follow_the_province(service: httpx.AsyncClient) -> None:
    communes = (await service.get("/places/01")).json()
    assert {"code": "00004", "name": "Phường Ba Đình"} in communes
    assert (await service.get("/places/xx")).json() == []


async def test_an_unreachable_provider_is_a_friendly_page(tmp_path: Path) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    settings = Settings(issuer=ISSUER, data_dir=tmp_path, session_secret="s")
    app = create_app(settings, transport=httpx.MockTransport(down))
    async with browser(app) as client:
        page = await client.get("/auth/login")
    assert page.status_code == 502
    assert "Không kết nối được với dinhdanh" in page.text


def _template_msgids() -> set[str]:
    found: set[str] = set()
    for path in (SRC / "templates").glob("*.html"):
        text = path.read_text()
        found |= set(re.findall(r'_\("((?:[^"\\]|\\.)*)"\)', text))
        # Labels and hints passed to the macros: input("name", "Label", hint="…"), row("Label", …).
        for call in re.findall(r"\{\{ (?:input|select|radios)\(([^)]*)\)", text):
            found.add(re.findall(r'"([^"]*)"', call)[1])
            found |= set(re.findall(r'hint="([^"]+)"', call))
        found |= set(re.findall(r'\{\{ row\("([^"]+)"', text))
    return found


def _code_msgids() -> set[str]:
    """Sentences in the form's rules (its error messages), docstrings left out."""
    tree = ast.parse((SRC / "form.py").read_text() + (SRC / "rules.py").read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and id(node) not in docstrings
        and isinstance(node.value, str)
        and re.fullmatch(r"[A-Z][^\n]* [^\n]*\.", node.value)
    }


def test_every_text_has_its_vietnamese() -> None:
    wanted = _template_msgids() | _code_msgids()
    for choices in form.CHOICES.values():
        wanted |= set(choices.values())
    wanted |= set(form.FIELD_LABELS.values())
    for p in problems.PROBLEMS.values():
        wanted |= {p.title, *p.lines}
    assert "Sign in with dinhdanh" in wanted and "Full name" in wanted
    assert "This is your own personal ID." in wanted
    assert "A personal ID has 12 digits." in wanted
    assert "Sent to" in wanted and "Owner or landlord: full name" in wanted
    missing = sorted(m for m in wanted if m not in i18n.VI)
    assert missing == []
