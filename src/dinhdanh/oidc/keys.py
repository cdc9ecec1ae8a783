"""The provider's signing keys: one current ES256 key signs ID tokens; a retired key stays
in the JWKS until every token it may have signed has expired.

Private keys are kept encrypted with the field cipher. A process caches the keys for a
minute (the token endpoint signs without a database read); a rotation made by the CLI in
another process is therefore picked up within that minute, which the retired key's
publication period covers. Every creation and rotation is audited.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import functools
import time
from dataclasses import dataclass
from typing import Any, Final

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from sqlalchemy import bindparam, insert, or_, select, update

from dinhdanh.oidc.models import SigningKey
from dinhdanh.platform import audit, clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.db import Database, Executor, UTCDateTime

ALG: Final = "ES256"
KEY_CONTEXT: Final = "oidc.signing_key"
CACHE_SECONDS: Final = 60
# The longest life of any token the provider issues (ID and access tokens are capped at
# it whatever a client's registration says): a retired key is published this long after
# its retirement, plus the cache period and a margin for clocks.
TOKEN_LIFETIME_CAP: Final = 24 * 3600
PUBLISH_SECONDS: Final = TOKEN_LIFETIME_CAP + CACHE_SECONDS + 300
_ECDSA_SHA256: Final = ec.ECDSA(hashes.SHA256())

_keys = SigningKey.__table__
_PUBLISHED: Final = (
    select(_keys)
    .where(
        or_(
            _keys.c.retired_at.is_(None),
            _keys.c.published_until > bindparam("now", type_=UTCDateTime()),
        )
    )
    .order_by(_keys.c.created_at.desc(), _keys.c.kid)
)


class InvalidIdToken(ValueError):
    """An ID token that is malformed, not signed by a published key of ours, or whose
    issuer, audience or expiry is wrong."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A signing key as the operator sees it."""

    kid: str
    alg: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
    published_until: dt.datetime | None

    def status(self, now: dt.datetime) -> str:
        """current, published (retired, still in the JWKS) or expired."""
        if self.retired_at is None:
            return "current"
        if self.published_until is not None and self.published_until > now:
            return "published"
        return "expired"


@dataclass(frozen=True, slots=True)
class Rotation:
    """What a rotation did."""

    new_kid: str
    retired_kids: tuple[str, ...]
    published_until: dt.datetime


def _public_jwk(key: ECKey) -> dict[str, Any]:
    return {**key.as_dict(private=False), "use": "sig", "alg": ALG}


async def create_key(executor: Executor, cipher: FieldCipher, *, actor: Principal) -> str:
    """Make a new current key (audited); its kid (the JWK thumbprint)."""
    key = ECKey.generate_key("P-256", auto_kid=True)
    assert key.kid is not None
    pem = key.as_pem(private=True).decode()
    await executor.execute(
        insert(_keys).values(
            kid=key.kid,
            alg=ALG,
            private_key_enc=cipher.encrypt(pem, context=KEY_CONTEXT),
            public_jwk=_public_jwk(key),
            created_at=clock.now(),
        )
    )
    await audit.record(
        executor,
        actor=actor,
        action="oidc.signing_key.created",
        subject_type="oidc_signing_key",
        subject_id=key.kid,
    )
    return key.kid


async def rotate(*, session: Executor, cipher: FieldCipher, actor: Principal) -> Rotation:
    """Retire the current key (published until its tokens have expired) and make a new
    one; audited."""
    now = clock.now()
    until = now + dt.timedelta(seconds=PUBLISH_SECONDS)
    retired = (
        await session.execute(
            update(_keys)
            .where(_keys.c.retired_at.is_(None))
            .values(retired_at=now, published_until=until)
            .returning(_keys.c.kid)
        )
    ).scalars()
    retired_kids = tuple(sorted(retired))
    kid = await create_key(session, cipher, actor=actor)
    await audit.record(
        session,
        actor=actor,
        action="oidc.signing_key.rotated",
        subject_type="oidc_signing_key",
        subject_id=kid,
        data={"retired": list(retired_kids), "published_until": until.isoformat()},
    )
    return Rotation(kid, retired_kids, until)


async def list_keys(executor: Executor) -> list[KeyInfo]:
    """Every key, newest first."""
    rows = await executor.execute(
        select(
            _keys.c.kid,
            _keys.c.alg,
            _keys.c.created_at,
            _keys.c.retired_at,
            _keys.c.published_until,
        ).order_by(_keys.c.created_at.desc(), _keys.c.kid)
    )
    return [KeyInfo(**row._mapping) for row in rows]


async def _published_rows(executor: Executor) -> list[Any]:
    return list((await executor.execute(_PUBLISHED, {"now": clock.now()})).mappings())


def _key_set(rows: list[Any]) -> KeySet:
    return KeySet.import_key_set({"keys": [dict(r["public_jwk"]) for r in rows]})


async def verify_id_token(
    executor: Executor,
    token: str,
    *,
    issuer: str,
    audience: str | None = None,
    allow_expired: bool = True,
) -> dict[str, Any]:
    """The claims of an ID token we issued (signed by a key still published), checking the
    issuer, the audience when given, and the expiry unless `allow_expired` (a logout's
    `id_token_hint` may have expired). Raises InvalidIdToken."""
    rows = await _published_rows(executor)
    if not rows or not token or len(token) > 16_384:
        raise InvalidIdToken("no such token")
    try:
        claims = jwt.decode(token, _key_set(rows), algorithms=[ALG]).claims
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise InvalidIdToken("bad signature or format") from exc
    if claims.get("iss") != issuer:
        raise InvalidIdToken("wrong issuer")
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience is not None and audience not in audiences:
        raise InvalidIdToken("wrong audience")
    exp = claims.get("exp")
    if not isinstance(exp, int) or not isinstance(claims.get("sub"), str):
        raise InvalidIdToken("missing claims")
    if not allow_expired and exp <= clock.now().timestamp():
        raise InvalidIdToken("expired")
    return claims


class KeyRing:
    """The keys of one process: the current signing key and the published set, cached for
    CACHE_SECONDS. Load it outside any open transaction (it uses its own connection, and
    makes the first key on first use)."""

    def __init__(self, db: Database, cipher: FieldCipher) -> None:
        self.db = db
        self.cipher = cipher
        self._lock = asyncio.Lock()
        self._loaded_at = float("-inf")
        self._current: ECKey | None = None
        self._published: list[tuple[dict[str, Any], dt.datetime | None]] = []

    def invalidate(self) -> None:
        """Forget the cache (the next use reads the database)."""
        self._loaded_at = float("-inf")

    async def _load(self) -> None:
        async with self._lock:
            if time.monotonic() - self._loaded_at < CACHE_SECONDS:
                return
            async with self.db.connection() as conn:
                rows = await _published_rows(conn)
                if not any(r["retired_at"] is None for r in rows):
                    await create_key(conn, self.cipher, actor=Principal.system("oidc"))
                    rows = await _published_rows(conn)
            current = next(r for r in rows if r["retired_at"] is None)
            pem = self.cipher.decrypt(current["private_key_enc"], context=KEY_CONTEXT)
            self._current = ECKey.import_key(pem, {"kid": current["kid"]})
            self._published = [(dict(r["public_jwk"]), r["published_until"]) for r in rows]
            self._loaded_at = time.monotonic()

    async def signing_key(self) -> ECKey:
        """The current private key."""
        if time.monotonic() - self._loaded_at >= CACHE_SECONDS:
            await self._load()
        assert self._current is not None
        return self._current

    async def jwks(self) -> dict[str, Any]:
        """The public JWK Set: the current key and the retired ones still published."""
        await self.signing_key()
        now = clock.now()
        return {"keys": [jwk for jwk, until in self._published if until is None or until > now]}

    async def rotate(self, *, actor: Principal) -> Rotation:
        """Rotate in a unit of work of its own and drop this process's cache."""
        async with self.db.unit_of_work() as session:
            done = await rotate(session=session, cipher=self.cipher, actor=actor)
        self.invalidate()
        return done


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


@functools.lru_cache(maxsize=16)
def _signing_input_head(kid: str | None) -> bytes:
    """The encoded protected header of a key's tokens, with the dot that follows it."""
    return _b64(orjson.dumps({"alg": ALG, "kid": kid, "typ": "JWT"})) + b"."


def sign(key: ECKey, claims: dict[str, Any]) -> str:
    """A compact JWS (JWT, RFC 7515 §7.1) of the claims with this key: ES256 (RFC 7518
    §3.4, the signature as R || S, 32 bytes each). Made with `cryptography` directly and
    the header encoded once per key (ID tokens are signed on every token response);
    joserfc verifies them (`verify_id_token`, and the tests)."""
    signing_input = _signing_input_head(key.kid) + _b64(orjson.dumps(claims))
    der = key.private_key.sign(signing_input, _ECDSA_SHA256)  # type: ignore[union-attr]
    r, s = decode_dss_signature(der)
    return (signing_input + b"." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))).decode()
