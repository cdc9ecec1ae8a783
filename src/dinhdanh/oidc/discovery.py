"""The provider's metadata (OpenID Connect Discovery 1.0, RFC 8414): everything offered,
and only that."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dinhdanh.oidc.claims import ACR_BY_LEVEL, ALL_CLAIMS, SCOPES
from dinhdanh.oidc.client_auth import ASSERTION_ALGS, AUTH_METHODS
from dinhdanh.oidc.keys import ALG
from dinhdanh.oidc.tokens import GRANT_TYPES

# Claims about the authentication itself, beside the catalogue of the citizen's data.
AUTHENTICATION_CLAIMS = ("acr", "amr", "auth_time", "sid")


@lru_cache(maxsize=4)
def metadata(issuer: str) -> dict[str, Any]:
    """The discovery document of the provider at `issuer` (no trailing slash)."""
    auth_methods = list(AUTH_METHODS)
    signing_algs = list(ASSERTION_ALGS)
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oidc/authorize",
        "pushed_authorization_request_endpoint": f"{issuer}/oidc/par",
        "token_endpoint": f"{issuer}/oidc/token",
        "userinfo_endpoint": f"{issuer}/oidc/userinfo",
        "jwks_uri": f"{issuer}/oidc/jwks",
        "end_session_endpoint": f"{issuer}/oidc/logout",
        "revocation_endpoint": f"{issuer}/oidc/revoke",
        "introspection_endpoint": f"{issuer}/oidc/introspect",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": [ALG],
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": signing_algs,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_signing_alg_values_supported": signing_algs,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_signing_alg_values_supported": signing_algs,
        "claims_supported": [*ALL_CLAIMS, *AUTHENTICATION_CLAIMS],
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "require_pushed_authorization_requests": False,
        "acr_values_supported": list(ACR_BY_LEVEL.values()),
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": True,
        "frontchannel_logout_supported": False,
        "backchannel_logout_supported": False,
        "ui_locales_supported": ["vi", "en"],
    }
