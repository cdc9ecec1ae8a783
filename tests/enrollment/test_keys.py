"""The chip signing keys in the database: created once, encrypted at rest, audited, and
rotated without making any card already issued unverifiable."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from dinhdanh.enrollment import keys
from dinhdanh.enrollment.card import produce_card
from dinhdanh.enrollment.models import PRIVATE_KEY_CONTEXT, ChipSigningKey
from dinhdanh.enrollment.sod import passive_authentication
from dinhdanh.platform.audit import AuditEvent
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict
from tests.enrollment.helpers import card_data

ADMIN = Principal.system("test-admin")


async def _rows(session) -> list[ChipSigningKey]:
    return list(
        (await session.scalars(select(ChipSigningKey).order_by(ChipSigningKey.created_at))).all()
    )


async def _events(session, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list((await session.scalars(query)).all())


async def test_create_makes_a_csca_and_a_ds_it_certifies_once(db, cipher):
    async with db.unit_of_work() as session:
        created = await keys.create_keys(session=session, cipher=cipher, actor=ADMIN)
    assert [k.kind for k in created] == ["csca", "ds"]
    assert all(k.current for k in created)
    async with db.unit_of_work() as session:
        assert await keys.create_keys(session=session, cipher=cipher, actor=ADMIN) == []
        csca_row, ds_row = sorted(await _rows(session), key=lambda r: r.kind)
        events = await _events(session, "enrollment.chip_key.created")
    assert ds_row.issuer_kid == csca_row.kid
    csca = x509.load_pem_x509_certificate(csca_row.certificate_pem.encode())
    ds = x509.load_pem_x509_certificate(ds_row.certificate_pem.encode())
    ds.verify_directly_issued_by(csca)
    assert csca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert [(e.subject_id, e.data["kind"]) for e in events] == [
        (csca_row.kid, "csca"),
        (ds_row.kid, "ds"),
    ]
    assert all(e.actor_id == "test-admin" for e in events)


async def test_private_keys_are_encrypted_at_rest_and_bound_to_their_column(db, cipher):
    async with db.unit_of_work() as session:
        await keys.create_keys(session=session, cipher=cipher, actor=ADMIN)
        rows = await _rows(session)
    for row in rows:
        assert "PRIVATE KEY" not in row.private_key_enc
        assert "BEGIN PRIVATE KEY" in cipher.decrypt(
            row.private_key_enc, context=PRIVATE_KEY_CONTEXT
        )
        with pytest.raises(InvalidTag):
            cipher.decrypt(row.private_key_enc, context="another.column")


async def test_rotation_before_any_key_exists_is_refused(db, cipher):
    async with db.unit_of_work() as session:
        with pytest.raises(Conflict) as caught:
            await keys.rotate_ds(session=session, cipher=cipher, actor=ADMIN)
        assert caught.value.type == "chip-keys-missing"
        with pytest.raises(Conflict):
            await keys.rotate_csca(session=session, cipher=cipher, actor=ADMIN)
        with pytest.raises(Conflict):
            await keys.current_signer(session=session, cipher=cipher)
        assert await _rows(session) == []


async def test_rotating_the_ds_keeps_the_cards_it_signed_verifiable(db, cipher, frozen):
    async with db.unit_of_work() as session:
        await keys.create_keys(session=session, cipher=cipher, actor=ADMIN)
        before = await produce_card(card_data(), session=session, cipher=cipher)
    frozen.advance(days=90)
    async with db.unit_of_work() as session:
        new_ds = await keys.rotate_ds(session=session, cipher=cipher, actor=ADMIN)
        after = await produce_card(card_data(), session=session, cipher=cipher)
        trusted = await keys.trusted_cscas(session=session)
        rows = await _rows(session)
        retired = await _events(session, "enrollment.chip_key.retired")
    assert before.signer_kid != after.signer_kid == new_ds.kid
    assert len(trusted) == 1
    for card in (before, after):
        assert passive_authentication(card.sod, card.data_groups, trusted).ok
    old_ds = next(r for r in rows if r.kid == before.signer_kid)
    assert old_ds.retired_at == frozen.now()
    assert [e.subject_id for e in retired] == [before.signer_kid]


async def test_rotating_the_csca_keeps_the_old_one_trusted_until_it_expires(db, cipher, frozen):
    async with db.unit_of_work() as session:
        await keys.create_keys(session=session, cipher=cipher, actor=ADMIN)
        before = await produce_card(card_data(), session=session, cipher=cipher)
        [old_csca] = await keys.trusted_cscas(session=session)
    frozen.advance(days=5 * 365)
    async with db.unit_of_work() as session:
        new_csca, new_ds = await keys.rotate_csca(session=session, cipher=cipher, actor=ADMIN)
        after = await produce_card(card_data(), session=session, cipher=cipher)
        trusted = await keys.trusted_cscas(session=session)
        current = [k for k in await keys.list_keys(session=session) if k.current]
        retired = await _events(session, "enrollment.chip_key.retired")
    assert len(trusted) == 2
    assert after.signer_kid == new_ds.kid
    assert sorted(k.kid for k in current) == sorted([new_csca.kid, new_ds.kid])
    assert len(retired) == 2  # the old CSCA and its DS
    for card in (before, after):
        assert passive_authentication(card.sod, card.data_groups, trusted).ok
    # once the old CSCA's certificate has expired it is no longer a trust anchor
    ended = old_csca.not_valid_after_utc + dt.timedelta(days=1)
    async with db.unit_of_work() as session:
        later = await keys.trusted_cscas(session=session, at=ended)
    assert len(later) == 1 and later[0].serial_number != old_csca.serial_number
    refused = passive_authentication(before.sod, before.data_groups, later, at=ended)
    assert refused.failure == "chain"
