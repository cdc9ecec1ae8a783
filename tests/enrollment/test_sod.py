"""EF.SOD: parsed back with asn1crypto and verified with `cryptography` directly, apart
from the code that made it; then passive authentication, which accepts a good card and
names the check a bad one fails."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from typing import ClassVar

import pytest
from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from dinhdanh.enrollment import chip, pki, sod
from dinhdanh.enrollment.sod import build_sod, passive_authentication
from tests.enrollment.helpers import tiny_png, tlv
from tests.enrollment.test_chip import DATA, LINES

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


class _DataGroupHash(core.Sequence):
    _fields: ClassVar = [("number", core.Integer), ("hash", core.OctetString)]


class _LdsSecurityObject(core.Sequence):
    """9303 Part 10, 4.6.2.2, written here from the specification's ASN.1."""

    _fields: ClassVar = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("hashes", core.SequenceOf, {"spec": _DataGroupHash}),
        ("lds_version_info", core.Any, {"optional": True}),
    ]


@pytest.fixture(scope="module")
def csca() -> pki.Issued:
    return pki.make_csca(NOW - dt.timedelta(days=30))


@pytest.fixture(scope="module")
def ds(csca) -> pki.Issued:
    return pki.issue_ds(csca, NOW - dt.timedelta(days=1))


@pytest.fixture(scope="module")
def dgs() -> dict[int, bytes]:
    return {1: chip.build_dg1(LINES), 2: chip.build_dg2(tiny_png()), 13: chip.build_dg13(DATA)}


@pytest.fixture(scope="module")
def card_sod(dgs, ds) -> bytes:
    return build_sod(dgs, private_key=ds.private_key, certificate=ds.certificate, signing_time=NOW)


def test_the_sod_parses_back_and_its_signature_verifies_independently(card_sod, dgs, csca):
    [(tag, _)] = tlv(card_sod)
    assert tag == "77"  # EF.SOD's application tag
    info = cms.ContentInfo.load(card_sod, explicit=("application", 23))
    assert info["content_type"].native == "signed_data"
    signed_data = info["content"]
    encap = signed_data["encap_content_info"]
    assert encap["content_type"].dotted == "2.23.136.1.1.1"
    content = encap["content"].native

    lds = _LdsSecurityObject.load(content).native
    assert lds["version"] == 0
    assert lds["hash_algorithm"]["algorithm"] == "sha256"
    listed = {h["number"]: h["hash"] for h in lds["hashes"]}
    assert listed == {n: hashlib.sha256(raw).digest() for n, raw in dgs.items()}

    [signer] = signed_data["signer_infos"]
    attrs = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]}
    assert attrs["content_type"] == "2.23.136.1.1.1"
    assert attrs["message_digest"] == hashlib.sha256(content).digest()
    assert signer["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"

    [embedded] = signed_data["certificates"]
    ds_cert = x509.load_der_x509_certificate(embedded.chosen.dump())
    sid = signer["sid"].chosen
    assert sid["serial_number"].native == ds_cert.serial_number
    # RFC 5652 5.4: what is signed is the DER of the attributes with the SET OF tag (0x31)
    # in place of the [0] IMPLICIT tag they carry inside SignerInfo.
    signed_bytes = b"\x31" + signer["signed_attrs"].dump()[1:]
    key = ds_cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    key.verify(signer["signature"].native, signed_bytes, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        key.verify(signer["signature"].native, signed_bytes + b"\x00", ec.ECDSA(hashes.SHA256()))
    # and the DS certificate is the CSCA's
    csca.certificate.public_key().verify(
        ds_cert.signature, ds_cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256())
    )


def test_a_sod_signed_after_2049_carries_a_generalized_time(dgs, ds, csca):
    late = dt.datetime(2051, 6, 1, tzinfo=dt.UTC)
    signed = build_sod(
        dgs, private_key=ds.private_key, certificate=ds.certificate, signing_time=late
    )
    info = cms.ContentInfo.load(signed, explicit=("application", 23))
    [signer] = info["content"]["signer_infos"]
    [time] = [a["values"][0] for a in signer["signed_attrs"] if a["type"].native == "signing_time"]
    assert (time.name, time.native) == ("generalized_time", late)
    assert passive_authentication(signed, dgs, [csca.certificate], at=NOW).ok


def test_a_good_card_passes(card_sod, dgs, csca):
    result = passive_authentication(card_sod, dgs, [csca.certificate], at=NOW)
    assert result.ok and result.failure is None
    assert result.data_groups == (1, 2, 13)
    assert result.document_signer.serial_number is not None


@pytest.mark.parametrize("number", [1, 2, 13])
def test_an_altered_data_group_is_named(card_sod, dgs, csca, number):
    altered = bytearray(dgs[number])
    altered[-1] ^= 0x01
    result = passive_authentication(
        card_sod, {**dgs, number: bytes(altered)}, [csca.certificate], at=NOW
    )
    assert (result.failure, result.data_group) == ("dg-hash", number)
    assert str(number) in result.message


def test_data_group_13_of_another_person_is_refused(card_sod, dgs, csca):
    other = chip.build_dg13(replace(DATA, full_name="Nguyễn Văn Ân"))
    result = passive_authentication(card_sod, {**dgs, 13: other}, [csca.certificate], at=NOW)
    assert (result.failure, result.data_group) == ("dg-hash", 13)


def test_a_sod_signed_under_an_unknown_csca_fails_the_chain(dgs, csca):
    rogue_csca = pki.make_csca(NOW - dt.timedelta(days=30))
    rogue_ds = pki.issue_ds(rogue_csca, NOW - dt.timedelta(days=1))
    forged = build_sod(dgs, private_key=rogue_ds.private_key, certificate=rogue_ds.certificate)
    result = passive_authentication(forged, dgs, [csca.certificate], at=NOW)
    assert result.failure == "chain"
    # the same card verifies for whoever trusts the rogue CSCA: the chain is what failed
    assert passive_authentication(forged, dgs, [rogue_csca.certificate], at=NOW).ok


def test_a_self_made_ds_certificate_with_the_csca_name_fails_the_chain(dgs, csca):
    key = ec.generate_private_key(ec.SECP256R1())
    impostor = (
        x509.CertificateBuilder()
        .subject_name(csca.certificate.subject)
        .issuer_name(csca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    forged = build_sod(dgs, private_key=key, certificate=impostor)
    assert passive_authentication(forged, dgs, [csca.certificate], at=NOW).failure == "chain"


def test_an_expired_document_signer_fails_the_chain(card_sod, dgs, csca, ds):
    later = ds.certificate.not_valid_after_utc + dt.timedelta(days=1)
    result = passive_authentication(card_sod, dgs, [csca.certificate], at=later)
    assert result.failure == "chain"
    early = ds.certificate.not_valid_before_utc - dt.timedelta(days=1)
    assert passive_authentication(card_sod, dgs, [csca.certificate], at=early).failure == "chain"


def test_a_tampered_signature_fails_the_signature(card_sod, dgs, csca):
    info = cms.ContentInfo.load(card_sod, explicit=("application", 23))
    signature = info["content"]["signer_infos"][0]["signature"].native
    start = card_sod.rindex(signature)
    tampered = bytearray(card_sod)
    tampered[start + len(signature) - 1] ^= 0x01  # the last byte of s
    result = passive_authentication(bytes(tampered), dgs, [csca.certificate], at=NOW)
    assert result.failure == "signature"


def test_a_signature_over_other_content_fails_the_signature(dgs, ds, csca):
    """The signed attributes of one SOD grafted onto another's content: the message digest
    no longer matches."""
    one = build_sod(dgs, private_key=ds.private_key, certificate=ds.certificate)
    other = build_sod(
        {**dgs, 13: chip.build_dg13(replace(DATA, religion="Phật giáo"))},
        private_key=ds.private_key,
        certificate=ds.certificate,
    )
    first = cms.ContentInfo.load(one, explicit=("application", 23))
    second = cms.ContentInfo.load(other, explicit=("application", 23))
    second["content"]["signer_infos"] = first["content"]["signer_infos"].copy()
    grafted = cms.ContentInfo(
        {"content_type": "signed_data", "content": second["content"].copy()},
        explicit=("application", 23),
    ).dump()
    assert passive_authentication(grafted, dgs, [csca.certificate], at=NOW).failure == "signature"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage bytes, not DER at all",
        bytes(64),
        b"\x77\x03\x02\x01\x00",
    ],
)
def test_garbage_is_malformed(dgs, csca, raw):
    assert passive_authentication(raw, dgs, [csca.certificate], at=NOW).failure == "sod-malformed"


def test_a_truncated_sod_is_malformed(card_sod, dgs, csca):
    result = passive_authentication(card_sod[:-20], dgs, [csca.certificate], at=NOW)
    assert result.failure == "sod-malformed"


def test_a_data_group_the_sod_lists_but_not_supplied_is_missing(card_sod, dgs, csca):
    result = passive_authentication(card_sod, {1: dgs[1], 13: dgs[13]}, [csca.certificate], at=NOW)
    assert (result.failure, result.data_group) == ("dg-missing", 2)
    relaxed = passive_authentication(
        card_sod, {1: dgs[1], 13: dgs[13]}, [csca.certificate], at=NOW, required=(1, 13)
    )
    assert relaxed.ok


def test_a_data_group_the_sod_does_not_list_is_missing_from_it(card_sod, dgs, csca):
    result = passive_authentication(card_sod, {**dgs, 11: b"\x6b\x00"}, [csca.certificate], at=NOW)
    assert (result.failure, result.data_group) == ("dg-missing", 11)


def test_the_failure_message_is_translated():
    assert sod.PassiveAuthResult("dg-hash", 2).message == "Nhóm dữ liệu 2 của chip đã bị sửa đổi."
    assert sod.PassiveAuthResult().message == ""
