"""panva's openid-client (npm) against dinhdanh: discovery, PKCE, the code grant with the
ID token's signature checked against the JWKS, userinfo, introspection, refresh with
rotation and reuse detection, PAR, client credentials, revocation and logout."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.interop.conftest import LOGOUT_URI, REDIRECT_URI, Browser, Provider, query_of

pytestmark = pytest.mark.e2e


def run_node(node: Path, command: str, state: Path, *extra: str, ok: bool = True) -> Any:
    """One step of node/rp.mjs; its JSON answer."""
    done = subprocess.run(
        ["node", "rp.mjs", command, str(state), *extra],
        cwd=node,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode == 0) == ok, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def new_state(tmp_path: Path, provider: Provider, client_id: str = "interop-rp", **more) -> Path:
    """The relying party's state file."""
    path = tmp_path / f"{client_id}.json"
    state = {
        "issuer": provider.url,
        "client_id": client_id,
        "client_secret": provider.secret(client_id),
        "redirect_uri": REDIRECT_URI,
        "post_logout_redirect_uri": LOGOUT_URI,
        "scope": "openid profile identity residence",
        **more,
    }
    path.write_text(json.dumps(state))
    return path


def test_the_whole_flow_with_openid_client(
    node: Path, provider: Provider, browser: Browser, tmp_path: Path
) -> None:
    state = new_state(tmp_path, provider)
    url = run_node(node, "begin", state)["url"]
    callback = browser.authorize(url, provider.people["level2"])
    result = run_node(node, "finish", state, callback)

    claims = result["id_token_claims"]
    assert claims["iss"] == provider.url
    assert claims["aud"] == "interop-rp" or claims["aud"] == ["interop-rp"]
    assert claims["acr"] == "urn:dinhdanh:loa:2"
    # The ID token says who signed in and how; the data comes from userinfo.
    assert provider.people["level2"] not in json.dumps(claims)
    assert result["userinfo"]["dinhdanh_personal_id"] == provider.people["level2"]
    assert result["userinfo"]["name"] == "Lê Thị Hoa"
    # The personal ID is a consented claim, never the subject (pairwise per partner).
    assert claims["sub"] != provider.people["level2"]
    assert result["userinfo"]["sub"] == claims["sub"]
    assert result["userinfo"]["dinhdanh_permanent_residence"]["commune_code"] == "00004"
    assert result["introspection"]["active"] is True
    assert result["introspection"]["client_id"] == "interop-rp"
    assert result["refreshed"]["rotated"] and result["refreshed"]["access_token_changed"]

    # Logout: the end-session URL from the library ends the provider's session and goes
    # back to the registered address with the state.
    out = browser.http.get(result["end_session_url"])
    assert out.status_code in (302, 303)
    assert out.headers["location"].startswith(LOGOUT_URI)
    assert query_of(out.headers["location"])["state"] == "bye"
    assert browser.http.get("/me").status_code in (302, 303, 401)


def test_a_reused_refresh_token_ends_its_family(
    node: Path, provider: Provider, browser: Browser, tmp_path: Path
) -> None:
    state = new_state(tmp_path, provider)
    callback = browser.authorize(run_node(node, "begin", state)["url"], provider.people["level2"])
    run_node(node, "finish", state, callback)
    outcome = run_node(node, "reuse", state)
    assert outcome == {"old": "invalid_grant", "new": "invalid_grant"}


def test_pushed_authorization_requests(
    node: Path, provider: Provider, browser: Browser, tmp_path: Path
) -> None:
    state = new_state(tmp_path, provider)
    url = run_node(node, "par", state)["url"]
    assert "request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A" in url
    callback = browser.authorize(url, provider.people["level2"])
    assert run_node(node, "finish", state, callback)["id_token_claims"]["acr"]


def test_client_credentials_introspection_and_revocation(
    node: Path, provider: Provider, tmp_path: Path
) -> None:
    state = new_state(tmp_path, provider, "interop-cc", scope="")
    result = run_node(node, "client-credentials", state)
    assert result["token_type"].lower() == "bearer"
    assert result["introspection"]["active"] is True
    assert result["introspection"]["client_id"] == "interop-cc"
    assert result["after"] == {"active": False}


def test_a_wrong_secret_and_a_suspended_partner_are_refused(
    node: Path, provider: Provider, tmp_path: Path
) -> None:
    wrong = new_state(tmp_path, provider, "interop-cc", scope="", client_secret="not-it")
    assert run_node(node, "client-credentials", wrong, ok=False)["error"] == "invalid_client"
    suspended = new_state(tmp_path, provider, "interop-suspended")
    assert run_node(node, "par", suspended, ok=False)["error"] == "invalid_client"


def test_a_nonce_mismatch_is_caught_by_the_library(
    node: Path, provider: Provider, browser: Browser, tmp_path: Path
) -> None:
    state = new_state(tmp_path, provider)
    callback = browser.authorize(run_node(node, "begin", state)["url"], provider.people["level2"])
    saved = json.loads(state.read_text())
    saved["nonce"] = "another-nonce"
    state.write_text(json.dumps(saved))
    failed = run_node(node, "finish", state, callback, ok=False)
    assert failed["error"] == "OAUTH_JWT_CLAIM_COMPARISON_FAILED"
    assert failed["claim"] == "nonce"
