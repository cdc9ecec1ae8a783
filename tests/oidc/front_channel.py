"""Helpers of the front-channel tests: a citizen's browser (httpx with the CSRF cookie)
going through the authorization endpoint, the sign-in page and the consent page."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import select

from dinhdanh.oidc.models import AuthorizationCode, Consent
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.crypto import token_digest
from tests.factories.accounts import Holder, sign_in_web
from tests.factories.partners import TestClient

ISSUER = "http://127.0.0.1:8000"
SCOPE = "openid profile identity residence"


class Flow:
    """One authorization request: its parameters and PKCE verifier."""

    def __init__(self, client: TestClient, **params: str | None) -> None:
        self.client = client
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(12)
        self.nonce = secrets.token_urlsafe(12)
        base: dict[str, str | None] = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": client.redirect_uri,
            "scope": SCOPE,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": create_s256_code_challenge(self.verifier),
            "code_challenge_method": "S256",
        }
        base.update(params)
        self.params = {k: v for k, v in base.items() if v is not None}

    async def start(self, http: httpx.AsyncClient, **headers: str) -> httpx.Response:
        """GET the authorization endpoint."""
        return await http.get("/oidc/authorize", params=self.params, headers=headers)


def location(response: httpx.Response) -> str:
    """Where a redirect goes."""
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    return response.headers["location"]


def answer(response: httpx.Response, client: TestClient) -> dict[str, str]:
    """The query of a redirect back to the client's redirect URI."""
    url = location(response)
    assert url.startswith(client.redirect_uri + "?"), url
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def request_id(page: httpx.Response) -> str:
    """The pending request's id in the consent form."""
    found = re.search(r'name="request" value="([^"]+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


async def sign_in(http: httpx.AsyncClient, holder: Holder) -> None:
    """Sign the browser in (personal ID and password, no second factor)."""
    done = await sign_in_web(http, holder)
    assert done.status_code == 303, done.text[:500]


async def to_consent_page(
    http: httpx.AsyncClient, flow: Flow, holder: Holder | None = None
) -> httpx.Response:
    """Start the flow (signing in on the way when `holder` is given) up to the consent page."""
    step = await flow.start(http)
    if holder is not None and location(step).startswith("/me/login"):
        next_url = parse_qs(urlsplit(location(step)).query)["next"][0]
        signed = await http.post(
            "/me/login",
            data={"personal_id": holder.personal_id, "password": holder.password, "next": next_url},
        )
        step = await http.get(location(signed))
    assert location(step).startswith("/oidc/consent?request="), location(step)
    page = await http.get(location(step))
    assert page.status_code == 200, page.text[:1000]
    return page


async def decide(
    http: httpx.AsyncClient, page: httpx.Response, decision: str = "allow", ticked: Any = None
) -> httpx.Response:
    """Post the consent form: `ticked` the optional claims kept (default: as shown)."""
    if ticked is None:
        ticked = re.findall(r'name="claims" value="([^"]+)"[^>]*checked', page.text)
    data = {"request": request_id(page), "decision": decision, "claims": list(ticked)}
    return await http.post("/oidc/consent", data=data)


async def code_row(db, code: str) -> AuthorizationCode:
    """The stored code."""
    async with db.unit_of_work() as session:
        row = await session.scalar(
            select(AuthorizationCode).where(AuthorizationCode.code_digest == token_digest(code))
        )
        assert row is not None
        session.expunge(row)
        return row


async def code_count(db) -> int:
    """How many codes were issued."""
    async with db.unit_of_work() as session:
        return len((await session.scalars(select(AuthorizationCode.code_digest))).all())


async def consent_of(db, holder: Holder, client: TestClient) -> Consent | None:
    """The stored consent of a citizen to a client."""
    async with db.unit_of_work() as session:
        row = await session.scalar(
            select(Consent).where(
                Consent.citizen_id == holder.citizen_id, Consent.client_id == client.client_id
            )
        )
        if row is not None:
            session.expunge(row)
        return row


async def events(db, holder: Holder, action: str) -> list[AuditEvent]:
    """The audit events of an action about the citizen, oldest first."""
    async with db.unit_of_work() as session:
        rows = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.citizen_id == holder.citizen_id, AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


async def full_sign_in(
    http: httpx.AsyncClient, flow: Flow, holder: Holder, ticked: Any = None
) -> dict[str, str]:
    """Sign in, consent, and return the answer (code, state, iss) sent to the client."""
    page = await to_consent_page(http, flow, holder)
    return answer(await decide(http, page, ticked=ticked), flow.client)
