"""Interoperability: dinhdanh's OpenID provider driven by clients nobody here wrote —
Authlib (Python) and panva's openid-client (npm, installed here with the machine's Node.js)
— against a real `dinhdanh serve` in a child process.

The citizen's browser is httpx: it follows the provider's redirects, signs in on the
sign-in page and answers the consent page, and stops at the redirect back to the client,
whose URL the client library then takes as its callback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.servers import ROOT, Server, free_port, run_script, server_env, serving, wait_until_ready

pytestmark = pytest.mark.e2e

NODE_DIR = Path(__file__).parent / "node"
REDIRECT_URI = "http://127.0.0.1:9/cb"  # nothing listens there: the browser stops before
LOGOUT_URI = "http://127.0.0.1:9/"
PASSWORD = "Hoa-sen-no-trong-dam-7"

# Run in a child process (its own event loop and engine): migrate the server's database,
# register the partners and clients, and make the citizens.
PREPARE = """
import asyncio, json, sys
from dinhdanh.accounts import passwords, service
from dinhdanh.app import create_app
from dinhdanh.migrations.runner import upgrade
from dinhdanh.partners import relying_parties
from dinhdanh.partners import service as partners
from dinhdanh.partners.client_rules import ClientSettings
from dinhdanh.platform.auth import Principal
from dinhdanh.settings import Settings
from tests.factories.accounts import PASSCODE, PASSWORD
from tests.factories.population import make_card, make_citizen

CLIENTS = json.loads(sys.argv[1])

async def main():
    app = create_app(Settings())
    db, tools, cipher = app.state.db, app.state.account_tools, app.state.cipher
    actor = Principal.system("interop")
    await upgrade(db.engine)
    people = {}
    async with db.unit_of_work() as session:
        for spec in CLIENTS:
            partner = await partners.register_partner(
                session, actor=actor, data=partners.NewPartner(**spec["partner"])
            )
            await partners.approve_partner(session, actor=actor, partner_id=partner.id)
            await relying_parties.create_client(
                session, actor=actor, cipher=cipher, partner_id=partner.id,
                settings=ClientSettings(**spec["settings"]),
                client_id=spec["client_id"], secret=spec["secret"],
            )
            if spec.get("suspended"):
                await partners.suspend_partner(
                    session, actor=actor, partner_id=partner.id, reason="Vi phạm điều khoản"
                )
        for name, level, phone in (("Hoa", 2, "0987654321"), ("Minh", 1, "0912000111")):
            citizen = await make_citizen(session, family="Lê", middle="Thị", given=name)
            await make_card(session, citizen)
            account = await service.create_account(
                session=session, tools=tools, actor=actor,
                data=service.NewAccount(
                    personal_id=citizen.personal_id, phone=phone, level=level
                ),
            )
            await passwords.activate(
                session=session, tools=tools, actor=actor,
                account=account, password=PASSWORD, passcode=PASSCODE,
            )
            people[f"level{level}"] = citizen.personal_id
    await db.dispose()
    print(json.dumps(people))

asyncio.run(main())
"""

SCOPES = ["openid", "profile", "address", "phone", "email", "identity", "residence", "household"]


def _client(
    client_id: str, *, name: str, code: str, redirect_uri: str = REDIRECT_URI, **more: object
) -> dict[str, object]:
    settings: dict[str, object] = {
        "name": name,
        "purpose": "Điền sẵn tờ khai từ tài khoản định danh điện tử",
        "redirect_uris": [redirect_uri],
        "post_logout_redirect_uris": [LOGOUT_URI, redirect_uri.rsplit("/auth/", 1)[0] + "/"],
        "scopes": SCOPES,
        "required_claims": ["name", "birthdate", "dinhdanh_personal_id"],
        "grant_types": ["authorization_code", "refresh_token"],
        "level": 2,
        "auth_method": "client_secret_basic",
    }
    settings.update(more.pop("settings", {}))  # type: ignore[call-overload]
    return {
        "client_id": client_id,
        "secret": f"{client_id}-secret-0123456789abcdef",
        "partner": {
            "name": f"Đối tác {name}",
            "kind": "public_service",
            "registration_code": code,
            "contact_email": "lienhe@example.vn",
        },
        "settings": settings,
        **more,
    }


@dataclass
class Provider:
    """The running provider, its clients' secrets and the citizens' personal IDs."""

    server: Server
    clients: dict[str, dict[str, object]]
    people: dict[str, str]
    tamtru_port: int

    @property
    def url(self) -> str:
        """The issuer."""
        return self.server.url

    def secret(self, client_id: str) -> str:
        """A client's secret."""
        return str(self.clients[client_id]["secret"])


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """`dinhdanh serve` (SQLite, no demo data) with the interop clients and two citizens
    (level 2 and level 1), all with the password PASSWORD and no second factor."""
    data_dir = tmp_path_factory.mktemp("interop-var")
    port, tamtru_port = free_port(), free_port()
    clients = [
        _client("interop-rp", name="Dịch vụ công thử", code="INTEROP-1"),
        _client(
            "interop-tamtru",
            name="Đăng ký tạm trú",
            code="INTEROP-2",
            redirect_uri=f"http://127.0.0.1:{tamtru_port}/auth/callback",
        ),
        _client("interop-suspended", name="Đối tác bị đình chỉ", code="INTEROP-3", suspended=True),
        _client(
            "interop-cc",
            name="Thanh toán hoá đơn",
            code="INTEROP-4",
            settings={
                "redirect_uris": [],
                "post_logout_redirect_uris": [],
                "scopes": [],
                "required_claims": [],
                "grant_types": ["client_credentials"],
                "refresh_token_seconds": 0,
            },
        ),
    ]
    env = server_env(
        data_dir,
        DINHDANH_PUBLIC_URL=f"http://127.0.0.1:{port}",
        DINHDANH_DEMO="false",
        DINHDANH_LOG_LEVEL="WARNING",
    )
    people = run_script(PREPARE, env, json.dumps(clients))
    with serving(data_dir, env, port=port) as running:
        yield Provider(running, {c["client_id"]: c for c in clients}, people, tamtru_port)


@pytest.fixture(scope="session")
def node() -> Path:
    """panva's openid-client installed from the npm registry (package-lock.json pins it)."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("Node.js and npm are needed for the interoperability tests")
    if not (NODE_DIR / "node_modules" / "openid-client").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return NODE_DIR


def query_of(url: str) -> dict[str, str]:
    """A URL's query parameters."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class Browser:
    """The citizen's browser: cookies, the CSRF header of the provider's forms, no
    automatic redirects (each hop is looked at)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
        self.http.get("/healthz")
        self.http.headers["X-CSRF-Token"] = self.http.cookies.get("dd_csrf", "")

    def close(self) -> None:
        """Forget everything."""
        self.http.close()

    def sign_in(self, personal_id: str, next_url: str = "") -> httpx.Response:
        """Post the sign-in form."""
        return self.http.post(
            "/me/login", data={"personal_id": personal_id, "password": PASSWORD, "next": next_url}
        )

    def authorize(
        self,
        url: str,
        personal_id: str | None,
        *,
        until: str = REDIRECT_URI,
        decision: str = "allow",
        untick: tuple[str, ...] = (),
    ) -> str:
        """Follow an authorization URL through sign-in and consent to the redirect back
        to the client (a URL starting with `until`); return that URL."""
        response = self.http.get(url)
        for _ in range(10):
            assert response.status_code in (302, 303), (response.status_code, response.text)
            target = response.headers["location"]
            if target.startswith(until):
                return target
            if urlsplit(target).path == "/me/login":
                assert personal_id, "the provider asked for a sign-in"
                response = self.sign_in(personal_id, query_of(target).get("next", ""))
            elif urlsplit(target).path == "/oidc/consent":
                page = self.http.get(target)
                assert page.status_code == 200, page.text
                response = self._consent(page.text, decision, untick)
            else:
                response = self.http.get(target)
        raise AssertionError("too many redirects")

    def _consent(self, html: str, decision: str, untick: tuple[str, ...]) -> httpx.Response:
        request_id = re.search(r'name="request" value="([^"]+)"', html)
        assert request_id, html
        ticked = re.findall(r'name="claims" value="([^"]+)"[^>]*checked', html)
        data = {
            "request": request_id.group(1),
            "decision": decision,
            "claims": [c for c in ticked if c not in untick],
        }
        return self.http.post("/oidc/consent", data=data)


@pytest.fixture
def browser(provider: Provider) -> Iterator[Browser]:
    """A fresh browser for each test."""
    b = Browser(provider.url)
    yield b
    b.close()


@pytest.fixture(scope="session")
def tamtru(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m tamtru` on its own port, registered at the provider as `interop-tamtru`."""
    port = provider.tamtru_port
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TAMTRU_", "DINHDANH_"))},
        "TAMTRU_ISSUER": provider.url,
        "TAMTRU_CLIENT_ID": "interop-tamtru",
        "TAMTRU_CLIENT_SECRET": provider.secret("interop-tamtru"),
        "TAMTRU_REDIRECT_URI": f"{url}/auth/callback",
        "TAMTRU_POST_LOGOUT_REDIRECT_URI": f"{url}/",
        "TAMTRU_DATA_DIR": str(tmp_path_factory.mktemp("tamtru")),
    }
    log = tmp_path_factory.mktemp("tamtru-log") / "tamtru.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tamtru", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(proc, f"{url}/healthz", log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
