"""The client rules on their own: the scope catalogue is complete,
redirect URIs are exact, key sets hold only public signing keys."""

from __future__ import annotations

import json

import pytest

from dinhdanh.oidc import claims
from dinhdanh.partners.client_rules import check_jwks, redirect_uri_error
from dinhdanh.partners.scopes import SCOPE_CLAIMS
from tests.partners.support import private_jwk, public_jwk


def test_every_scope_and_claim_of_the_catalogue_has_its_consent_page_label():
    # The registry's catalogue is what the provider offers: each piece must be explainable.
    assert set(claims.SCOPE_LABELS) == set(SCOPE_CLAIMS)
    assert set(claims.CLAIM_LABELS) == {c for group in SCOPE_CLAIMS.values() for c in group}
    assert claims.claims_of(["profile", "openid"]) == ["sub", *SCOPE_CLAIMS["profile"]]


@pytest.mark.parametrize(
    "uri",
    [
        "https://dichvucong.gov.vn/auth/callback",
        "https://dichvucong.gov.vn:8443/cb?from=dinhdanh",
        "http://127.0.0.1:8100/auth/callback",
        "http://localhost/cb",
    ],
)
def test_exact_https_or_loopback_addresses_are_accepted(uri):
    assert redirect_uri_error(uri) is None


@pytest.mark.parametrize(
    ("uri", "why"),
    [
        ("http://dichvucong.gov.vn/cb", "use https"),
        ("http://127.0.0.2/cb", "use https"),
        ("http://localhost.evil.example/cb", "use https"),
        ("https://dichvucong.gov.vn/cb#x", "fragment"),
        ("https://dichvucong.gov.vn/cb#", "fragment"),
        ("https://*.gov.vn/cb", "wildcards"),
        ("https://dichvucong.gov.vn/*", "wildcards"),
        ("/auth/callback", "absolute"),
        ("com.example.app:/oauth2redirect", "absolute"),
        ("dichvucong.gov.vn/cb", "absolute"),
        ("https://user:pw@dichvucong.gov.vn/cb", "user name"),
        ("https://dichvucong.gov.vn:port/cb", "not a valid"),
        ("https://dichvu cong.gov.vn/cb", "not a valid"),
        ("https://dichvucong.gov.vn/" + "a" * 500, "not a valid"),
    ],
)
def test_other_addresses_are_refused(uri, why):
    error = redirect_uri_error(uri)
    assert error is not None and why in error


def test_a_key_set_may_be_pasted_as_json_text():
    errors: list = []
    keys = {"keys": [public_jwk("EC", "a"), public_jwk("RSA", "b", alg="RS256")]}
    assert check_jwks(json.dumps(keys), errors) == keys and errors == []
    assert check_jwks("{not json", errors) is None
    assert errors[0]["field"] == "jwks"


def test_every_bad_key_is_named():
    errors: list = []
    assert check_jwks({"keys": [public_jwk(kid="good"), private_jwk("leak")]}, errors) is None
    assert [e["params"]["kid"] for e in errors] == ["leak"]
