"""Reading the back-channel requests: the form body, scopes, the bearer token.

The token endpoint is a hot path: the `application/x-www-form-urlencoded` body is parsed
here with the standard library (a few microseconds) instead of Starlette's form parser,
and the result is kept on the request so that client authentication and the endpoint
read it once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import parse_qsl

from fastapi import Request

from dinhdanh.oidc.oauth_errors import InvalidRequest, MissingToken

FORM_TYPE: Final = "application/x-www-form-urlencoded"
MAX_FORM_BYTES: Final = 64 * 1024
# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
_SCOPE_TOKEN: Final = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


async def read_form(request: Request) -> dict[str, str]:
    """The request's form parameters, parsed once (later calls return the same dict).

    Anything but `application/x-www-form-urlencoded`, a body over 64 KiB, a parameter
    given twice or text that is not UTF-8 is an `invalid_request` (RFC 6749 §3.2); a
    parameter without a value counts as absent (§3.1)."""
    cached = getattr(request.state, "oauth_form", None)
    if cached is not None:
        return cached
    if request.method != "POST":
        form: dict[str, str] = {}
        request.state.oauth_form = form
        return form
    ctype = request.headers.get("content-type", "")
    if ctype.split(";", 1)[0].strip().lower() != FORM_TYPE:
        raise InvalidRequest(f"the body must be {FORM_TYPE}")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidRequest("request body too large")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("the body is not valid form data") from None
    form = {}
    for name, value in pairs:
        if name in form:
            raise InvalidRequest(f"parameter {name} repeated")
        if value:
            form[name] = value
    request.state.oauth_form = form
    return form


def parse_scope(value: str | None) -> list[str] | None:
    """A space-separated scope parameter as a list without duplicates, or None when absent;
    a malformed one is an `invalid_request`."""
    if value is None:
        return None
    tokens = value.split(" ")
    if not all(_SCOPE_TOKEN.fullmatch(t) for t in tokens):
        raise InvalidRequest("malformed scope")
    return list(dict.fromkeys(tokens))


def scope_text(scopes: Iterable[str]) -> str:
    """Scopes as the space-separated parameter."""
    return " ".join(scopes)


def bearer_token(request: Request) -> str:
    """The access token of an `Authorization: Bearer` header (RFC 6750 §2.1)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingToken()
    return token.strip()
