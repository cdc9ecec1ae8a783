"""EF.SOD, the chip's document security object, and passive authentication.

EF.SOD (ICAO 9303 Part 10, 4.6.2) is application tag 0x77 wrapping a CMS ContentInfo of
SignedData whose encapsulated content (OID 2.23.136.1.1.1) is the LDSSecurityObject,
a SHA-256 hash of each data group. The Document Signer (DS) signs it with ECDSA P-256 /
SHA-256 over the signed attributes (content type and message digest, RFC 5652 5.4) and
its certificate travels inside, so a card stays verifiable after its DS is retired.

Passive authentication (Part 11, 5.1) checks, in this order, and names the first failure:
`sod-malformed` (cannot be read as such a structure), `signature` (the signed attributes
do not cover this content, or the DS signature does not verify), `chain` (the DS
certificate is not issued by one of the trusted country signing CAs, or it or that CSCA
is outside its validity), `dg-missing` (a data group the SOD lists was not supplied, or
one supplied is not listed) and `dg-hash` (a data group differs from its hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, Literal

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from dinhdanh.platform import clock
from dinhdanh.platform.i18n import N_, gettext

__all__ = [
    "LDS_SECURITY_OBJECT",
    "SOD_TAG",
    "LdsSecurityObject",
    "PassiveAuthResult",
    "build_sod",
    "passive_authentication",
]

LDS_SECURITY_OBJECT: Final = "2.23.136.1.1.1"  # id-icao-mrtd-security-ldsSecurityObject
SOD_TAG: Final = 0x77
_SOD_TAGGING: Final = ("application", 23)
_HASHES: Final = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_SIGNATURE_HASHES: Final = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_MALFORMED: Final = (ValueError, TypeError, KeyError, IndexError, OverflowError)

Failure = Literal["sod-malformed", "signature", "chain", "dg-missing", "dg-hash"]
MESSAGES: Final[dict[str, str]] = {
    "sod-malformed": N_("The chip's security object (EF.SOD) cannot be read."),
    "signature": N_("The signature on the chip's data is not valid."),
    "chain": N_(
        "The chip was not signed under a trusted country signing CA, or the certificate "
        "has expired."
    ),
    "dg-missing": N_("Data group %(dg)s of the chip is missing."),
    "dg-hash": N_("Data group %(dg)s of the chip has been altered."),
}


class DataGroupHash(core.Sequence):
    """DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }"""

    _fields: ClassVar = [("data_group_number", core.Integer), ("hash_value", core.OctetString)]


class DataGroupHashValues(core.SequenceOf):
    """SEQUENCE OF DataGroupHash."""

    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    """LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }"""

    _fields: ClassVar = [
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LdsSecurityObject(core.Sequence):
    """LDSSecurityObject (9303 Part 10, 4.6.2.2); version 0 carries no LDSVersionInfo."""

    _fields: ClassVar = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


def _signed_attributes(content: bytes, signing_time: dt.datetime) -> cms.CMSAttributes:
    # RFC 5652 11.3: UTCTime up to 2049, GeneralizedTime from 2050.
    time = {"utc_time" if signing_time.year < 2050 else "generalized_time": signing_time}
    return cms.CMSAttributes(
        [
            {"type": "content_type", "values": [LDS_SECURITY_OBJECT]},
            {"type": "signing_time", "values": [cms.Time(time)]},
            {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
        ]
    )


def build_sod(
    data_groups: Mapping[int, bytes],
    *,
    private_key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    signing_time: dt.datetime | None = None,
) -> bytes:
    """EF.SOD over `data_groups` ({number: file bytes}), signed by the Document Signer."""
    if not data_groups:
        raise ValueError("an SOD needs at least one data group")
    lds = LdsSecurityObject(
        {
            "version": 0,
            "hash_algorithm": {"algorithm": "sha256"},
            "data_group_hash_values": [
                {"data_group_number": n, "hash_value": hashlib.sha256(data_groups[n]).digest()}
                for n in sorted(data_groups)
            ],
        }
    ).dump()
    attributes = _signed_attributes(lds, signing_time or clock.now())
    # RFC 5652 5.4: the signature covers the DER of the attributes as a SET (tag 0x31),
    # not as the [0] IMPLICIT field they become inside SignerInfo.
    signature = private_key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
    ds = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": ds.issuer,
                        "serial_number": ds.serial_number,
                    }
                }
            ),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attributes,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": LDS_SECURITY_OBJECT, "content": lds},
            "certificates": [ds],
            "signer_infos": [signer],
        }
    )
    info = cms.ContentInfo(
        {"content_type": "signed_data", "content": signed_data}, explicit=_SOD_TAGGING
    )
    return info.dump()


@dataclass(frozen=True)
class PassiveAuthResult:
    """The outcome of passive authentication: `failure` names the first check that failed
    (None: every check passed) and `data_group` the data group it concerns."""

    failure: Failure | None = None
    data_group: int | None = None
    detail: str = ""
    document_signer: x509.Certificate | None = None
    data_groups: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the SOD, its signature, its chain and every data group hold."""
        return self.failure is None

    @property
    def message(self) -> str:
        """The failure in the current language ('' when there is none)."""
        if self.failure is None:
            return ""
        return gettext(MESSAGES[self.failure], dg=self.data_group or "")


@dataclass(frozen=True)
class _Sod:
    content: bytes
    hash_algorithm: str
    hashes: dict[int, bytes]
    signer: cms.SignerInfo
    certificates: list[x509.Certificate]


class _Refused(Exception):
    def __init__(self, failure: Failure, detail: str, data_group: int | None = None) -> None:
        super().__init__(detail)
        self.result = PassiveAuthResult(failure, data_group, detail)


def _read(sod: bytes) -> _Sod:
    try:
        info = cms.ContentInfo.load(sod, strict=True, explicit=_SOD_TAGGING)
        _ = info.native  # asn1crypto parses lazily: reach every byte now
        if info["content_type"].native != "signed_data":
            raise _Refused("sod-malformed", "the content is not SignedData")
        signed_data = info["content"]
        encapsulated = signed_data["encap_content_info"]
        if encapsulated["content_type"].dotted != LDS_SECURITY_OBJECT:
            raise _Refused("sod-malformed", "the signed content is not an LDSSecurityObject")
        content = encapsulated["content"].native
        lds = LdsSecurityObject.load(content, strict=True)
        _ = lds.native
        hashed = {
            entry["data_group_number"].native: entry["hash_value"].native
            for entry in lds["data_group_hash_values"]
        }
        if len(signed_data["signer_infos"]) != 1:
            raise _Refused("sod-malformed", "the SOD must have exactly one signer")
        certificates = [
            x509.load_der_x509_certificate(choice.chosen.dump())
            for choice in signed_data["certificates"] or []
            if choice.name == "certificate"
        ]
        return _Sod(
            content=content,
            hash_algorithm=lds["hash_algorithm"]["algorithm"].native,
            hashes=hashed,
            signer=signed_data["signer_infos"][0],
            certificates=certificates,
        )
    except _MALFORMED as exc:
        raise _Refused("sod-malformed", f"not a well-formed EF.SOD ({exc})") from None


def _signer_certificate(sod: _Sod) -> x509.Certificate:
    sid = sod.signer["sid"]
    for cert in sod.certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                cert.serial_number == wanted["serial_number"].native
                and asn1_x509.Name.load(cert.issuer.public_bytes()) == wanted["issuer"]
            ):
                return cert
        else:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == sid.chosen.native:
                return cert
    raise _Refused("sod-malformed", "the SOD carries no certificate for its signer")


def _check_signature(sod: _Sod, cert: x509.Certificate) -> None:
    signer = sod.signer
    digest_name = signer["digest_algorithm"]["algorithm"].native
    attributes = signer["signed_attrs"]
    if digest_name not in _HASHES or not attributes:
        raise _Refused("signature", "no signed attributes with a supported digest")
    values = {a["type"].native: a["values"] for a in attributes}
    content_type = values.get("content_type")
    digest = values.get("message_digest")
    if content_type is None or content_type[0].dotted != LDS_SECURITY_OBJECT:
        raise _Refused("signature", "the signed content type is not the LDSSecurityObject")
    expected = _HASHES[digest_name](sod.content).digest()
    if digest is None or not hmac.compare_digest(digest[0].native, expected):
        raise _Refused("signature", "the signed message digest does not match the content")
    algorithm = signer["signature_algorithm"]
    hash_name = algorithm.hash_algo if algorithm.signature_algo == "ecdsa" else None
    key = cert.public_key()
    if hash_name not in _SIGNATURE_HASHES or not isinstance(key, ec.EllipticCurvePublicKey):
        raise _Refused("signature", "the signature algorithm is not ECDSA with SHA-2")
    try:
        key.verify(
            signer["signature"].native,
            attributes.untag().dump(),
            ec.ECDSA(_SIGNATURE_HASHES[hash_name]()),
        )
    except InvalidSignature:
        raise _Refused("signature", "the Document Signer's signature does not verify") from None


def _within(cert: x509.Certificate, at: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= at <= cert.not_valid_after_utc


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _check_chain(ds: x509.Certificate, cscas: Iterable[x509.Certificate], at: dt.datetime) -> None:
    issuer = None
    for csca in cscas:
        if csca.subject != ds.issuer or not _is_ca(csca):
            continue
        try:
            ds.verify_directly_issued_by(csca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        issuer = csca
        break
    if issuer is None:
        raise _Refused("chain", "the Document Signer is not issued by a trusted CSCA")
    if not _within(ds, at):
        raise _Refused("chain", "the Document Signer certificate is outside its validity")
    if not _within(issuer, at):
        raise _Refused("chain", "the CSCA certificate is outside its validity")


def _check_data_groups(
    sod: _Sod, data_groups: Mapping[int, bytes], required: Iterable[int] | None
) -> None:
    needed = sorted(sod.hashes if required is None else set(required))
    for number in needed:
        if number not in data_groups:
            raise _Refused("dg-missing", f"DG{number} was not supplied", number)
    for number in sorted(data_groups):
        if number not in sod.hashes:
            raise _Refused("dg-missing", f"DG{number} is not listed in the SOD", number)
    hash_function = _HASHES.get(sod.hash_algorithm)
    if hash_function is None:
        raise _Refused("sod-malformed", f"unsupported hash algorithm {sod.hash_algorithm}")
    for number in sorted(data_groups):
        digest = hash_function(data_groups[number]).digest()
        if not hmac.compare_digest(digest, sod.hashes[number]):
            raise _Refused("dg-hash", f"DG{number} does not match its hash", number)


def passive_authentication(
    sod_bytes: bytes,
    dgs: Mapping[int, bytes],
    csca_certs: Iterable[x509.Certificate],
    *,
    at: dt.datetime | None = None,
    required: Iterable[int] | None = None,
) -> PassiveAuthResult:
    """Verify a card's EF.SOD and data groups ({number: file bytes}) against the trusted
    CSCA certificates, at `at` (now by default). `required`: the data groups that must be
    supplied (by default every one the SOD lists)."""
    try:
        sod = _read(sod_bytes)
        ds = _signer_certificate(sod)
        _check_signature(sod, ds)
        _check_chain(ds, list(csca_certs), at or clock.now())
        _check_data_groups(sod, dgs, required)
    except _Refused as refused:
        return refused.result
    return PassiveAuthResult(document_signer=ds, data_groups=tuple(sorted(dgs)))
