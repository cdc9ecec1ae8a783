"""The chip signing keys: create the country signing CA (CSCA) and a Document Signer (DS),
rotate either, hand the current DS to card production and the trust anchors to passive
authentication. Private keys are stored encrypted with the FieldCipher; every creation
and retirement writes an audit event in the caller's transaction.

Rotating the DS retires it: it signs no more cards, but the cards it signed carry its
certificate and still verify. Rotating the CSCA retires it and issues a new DS under the
new CSCA; the old CSCA stays a trust anchor until its certificate expires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment import pki
from dinhdanh.enrollment.models import PRIVATE_KEY_CONTEXT, ChipSigningKey
from dinhdanh.platform import audit, clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import Conflict
from dinhdanh.platform.i18n import N_

__all__ = [
    "ChipKeyInfo",
    "DocumentSigner",
    "create_keys",
    "current_signer",
    "list_keys",
    "rotate_csca",
    "rotate_ds",
    "trusted_cscas",
]

Kind = Literal["csca", "ds"]
_KEYS_LOCK = 0x63686970  # pg advisory lock id ("chip"): one key change at a time
NO_KEYS = N_("There are no chip signing keys yet: run `dinhdanh chip-keys create`.")


@dataclass(frozen=True)
class ChipKeyInfo:
    """What may be shown of a chip signing key (never its private part)."""

    kind: str
    kid: str
    serial: str
    subject: str
    not_before: dt.datetime
    not_after: dt.datetime
    created_at: dt.datetime
    retired_at: dt.datetime | None

    @property
    def current(self) -> bool:
        """True for the key of its kind in use."""
        return self.retired_at is None


@dataclass(frozen=True)
class DocumentSigner:
    """The current Document Signer: what signs a card's SOD."""

    kid: str
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def _info(row: ChipSigningKey) -> ChipKeyInfo:
    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    return ChipKeyInfo(
        kind=row.kind,
        kid=row.kid,
        serial=row.serial,
        subject=cert.subject.rfc4514_string(),
        not_before=row.not_before,
        not_after=row.not_after,
        created_at=row.created_at,
        retired_at=row.retired_at,
    )


def _private_key(row: ChipSigningKey, cipher: FieldCipher) -> ec.EllipticCurvePrivateKey:
    pem = cipher.decrypt(row.private_key_enc, context=PRIVATE_KEY_CONTEXT).encode()
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError("a chip signing key must be an EC key")
    return key


def _issued(row: ChipSigningKey, cipher: FieldCipher) -> pki.Issued:
    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    return pki.Issued(_private_key(row, cipher), cert)


async def _one_at_a_time(session: AsyncSession) -> None:
    """Serialise key changes: two concurrent `create` or `rotate` would otherwise both see
    no key, or the same current key, and one would fail on the one-current-key index.
    SQLite's writers already queue (BEGIN IMMEDIATE)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _KEYS_LOCK})


async def _current(session: AsyncSession, kind: Kind) -> ChipSigningKey | None:
    query = select(ChipSigningKey).where(
        ChipSigningKey.kind == kind, ChipSigningKey.retired_at.is_(None)
    )
    return (await session.scalars(query)).one_or_none()


async def _record(
    session: AsyncSession, actor: Principal, row: ChipSigningKey, what: str, **data: str | None
) -> None:
    """The audit event of a key `what` (created, retired): its kind and serial, and `data`."""
    await audit.record(
        session,
        actor=actor,
        action=f"enrollment.chip_key.{what}",
        subject_type="chip_key",
        subject_id=row.kid,
        data={"kind": row.kind, "serial": row.serial, **data},
    )


async def _store(
    session: AsyncSession,
    cipher: FieldCipher,
    actor: Principal,
    kind: Kind,
    issued: pki.Issued,
    *,
    issuer_kid: str | None = None,
    replaces: str | None = None,
) -> ChipSigningKey:
    cert = issued.certificate
    pem = issued.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    row = ChipSigningKey(
        kind=kind,
        kid=issued.kid,
        serial=f"{cert.serial_number:x}",
        issuer_kid=issuer_kid,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        private_key_enc=cipher.encrypt(pem, context=PRIVATE_KEY_CONTEXT),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        created_at=clock.now(),
    )
    session.add(row)
    await session.flush()
    not_after = row.not_after.isoformat()
    await _record(session, actor, row, "created", not_after=not_after, replaces=replaces)
    return row


async def _retire(session: AsyncSession, row: ChipSigningKey, *, actor: Principal) -> None:
    row.retired_at = clock.now()
    await session.flush()  # before the successor is inserted: one current key per kind
    await _record(session, actor, row, "retired")


async def _new_csca(
    session: AsyncSession, *, cipher: FieldCipher, actor: Principal, replaces: str | None
) -> tuple[ChipSigningKey, pki.Issued]:
    """A new self-signed CSCA, stored; its row and its key pair."""
    issued = pki.make_csca(clock.now())
    return await _store(session, cipher, actor, "csca", issued, replaces=replaces), issued


async def _new_ds(
    session: AsyncSession,
    *,
    cipher: FieldCipher,
    actor: Principal,
    csca: ChipSigningKey,
    issuer: pki.Issued,
) -> ChipSigningKey:
    """Retire the current DS, if any, and certify a new one under `csca` (`issuer`: its
    key pair)."""
    old = await _current(session, "ds")
    if old is not None:
        await _retire(session, old, actor=actor)
    issued = pki.issue_ds(issuer, clock.now())
    replaces = old.kid if old else None
    return await _store(
        session, cipher, actor, "ds", issued, issuer_kid=csca.kid, replaces=replaces
    )


async def create_keys(
    *, session: AsyncSession, cipher: FieldCipher, actor: Principal
) -> list[ChipKeyInfo]:
    """Create the CSCA and a DS under it where missing; the keys created (none: both were
    there already, and nothing was done)."""
    await _one_at_a_time(session)
    created: list[ChipSigningKey] = []
    csca = await _current(session, "csca")
    ds = await _current(session, "ds")
    issuer = None
    if csca is None:
        csca, issuer = await _new_csca(session, cipher=cipher, actor=actor, replaces=None)
        created.append(csca)
    if ds is None:
        issuer = issuer or _issued(csca, cipher)
        created.append(await _new_ds(session, cipher=cipher, actor=actor, csca=csca, issuer=issuer))
    return [_info(row) for row in created]


async def rotate_ds(*, session: AsyncSession, cipher: FieldCipher, actor: Principal) -> ChipKeyInfo:
    """Retire the current DS and certify a new one under the current CSCA."""
    await _one_at_a_time(session)
    csca = await _current(session, "csca")
    if csca is None:
        raise Conflict(NO_KEYS, type="chip-keys-missing")
    issuer = _issued(csca, cipher)
    return _info(await _new_ds(session, cipher=cipher, actor=actor, csca=csca, issuer=issuer))


async def rotate_csca(
    *, session: AsyncSession, cipher: FieldCipher, actor: Principal
) -> tuple[ChipKeyInfo, ChipKeyInfo]:
    """Retire the current CSCA (still trusted until it expires) and its DS; create a new
    CSCA and a DS under it. Returns (new CSCA, new DS)."""
    await _one_at_a_time(session)
    old = await _current(session, "csca")
    if old is None:
        raise Conflict(NO_KEYS, type="chip-keys-missing")
    await _retire(session, old, actor=actor)
    csca, issuer = await _new_csca(session, cipher=cipher, actor=actor, replaces=old.kid)
    ds = await _new_ds(session, cipher=cipher, actor=actor, csca=csca, issuer=issuer)
    return _info(csca), _info(ds)


async def current_signer(*, session: AsyncSession, cipher: FieldCipher) -> DocumentSigner:
    """The Document Signer that signs new cards (Conflict when no keys exist yet)."""
    row = await _current(session, "ds")
    if row is None:
        raise Conflict(NO_KEYS, type="chip-keys-missing")
    issued = _issued(row, cipher)
    return DocumentSigner(row.kid, issued.private_key, issued.certificate)


async def trusted_cscas(
    *, session: AsyncSession, at: dt.datetime | None = None
) -> list[x509.Certificate]:
    """The trust anchors of passive authentication: every CSCA certificate, current or
    retired, still within its validity at `at` (now by default)."""
    moment = at or clock.now()
    rows = await session.scalars(
        select(ChipSigningKey.certificate_pem)
        .where(
            ChipSigningKey.kind == "csca",
            ChipSigningKey.not_before <= moment,
            ChipSigningKey.not_after >= moment,
        )
        .order_by(ChipSigningKey.created_at)
    )
    return [x509.load_pem_x509_certificate(pem.encode()) for pem in rows]


async def list_keys(*, session: AsyncSession) -> list[ChipKeyInfo]:
    """Every chip signing key, CSCAs first, newest first within a kind."""
    rows = await session.scalars(
        select(ChipSigningKey).order_by(ChipSigningKey.kind, ChipSigningKey.created_at.desc())
    )
    return [_info(row) for row in rows]
