"""The chip's certificates (ICAO 9303 Part 12): the country signing CA and the Document
Signers it certifies, ECDSA P-256 with SHA-256, made with `cryptography.x509`.

Validity. A Document Signer signs for a short while (until rotated) but its certificate
must outlive every card it signed: the longest card with an expiry lasts 22 years (issued
at 38, valid until 60, Law on Identity Art. 21), so a DS certificate is valid 25 years
(three years of use on top). A CSCA certificate covers its own five years of use plus a
DS certificate issued at the end of them: 30 years. A DS certificate never outlives its
CSCA. Cards without expiry (holders from 58) outlive their DS certificate; passive
authentication then reports `chain`, and the registry stays the reference for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["CSCA_VALIDITY", "DS_VALIDITY", "Issued", "issue_ds", "make_csca", "subject_key_id"]

CSCA_VALIDITY: Final = dt.timedelta(days=round(30 * 365.25))
DS_VALIDITY: Final = dt.timedelta(days=round(25 * 365.25))
COUNTRY: Final = "VN"
AUTHORITY: Final = "Bộ Công an"  # the Ministry of Public Security, which issues the card


@dataclass(frozen=True)
class Issued:
    """A new key and its certificate."""

    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def kid(self) -> str:
        """Hex of the subject key identifier."""
        return subject_key_id(self.certificate).hex()


def subject_key_id(certificate: x509.Certificate) -> bytes:
    """The certificate's subject key identifier (from its public key when absent)."""
    try:
        return certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def _name(role: str, key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Name:
    """`C=VN, O=Bộ Công an, CN=<role> <date> <key id prefix>`: a new name for every key, so
    that a rotated CSCA never shares its name with the one before."""
    kid = x509.SubjectKeyIdentifier.from_public_key(key.public_key()).digest.hex()[:8]
    common_name = f"{role} {now:%Y-%m-%d} {kid}"
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, AUTHORITY),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def make_csca(now: dt.datetime, *, validity: dt.timedelta = CSCA_VALIDITY) -> Issued:
    """A new self-signed country signing CA (may certify Document Signers only)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("CSCA Việt Nam", key, now)
    usage = x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    certificate = (
        _builder(name, name, key, now, now + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return Issued(key, certificate)


def issue_ds(csca: Issued, now: dt.datetime, *, validity: dt.timedelta = DS_VALIDITY) -> Issued:
    """A new Document Signer key certified by `csca`, never valid beyond the CSCA."""
    key = ec.generate_private_key(ec.SECP256R1())
    not_after = min(now + validity, csca.certificate.not_valid_after_utc)
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    authority = x509.AuthorityKeyIdentifier(
        key_identifier=subject_key_id(csca.certificate),
        authority_cert_issuer=None,
        authority_cert_serial_number=None,
    )
    certificate = (
        _builder(
            _name("Document Signer Việt Nam", key, now),
            csca.certificate.subject,
            key,
            now,
            not_after,
        )
        .add_extension(authority, critical=False)
        .add_extension(usage, critical=True)
        .sign(csca.private_key, hashes.SHA256())
    )
    return Issued(key, certificate)
