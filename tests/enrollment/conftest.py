"""Enrollment fixtures: the field cipher, a clock the test moves, officers of the office
and the chip signing keys."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pytest

from dinhdanh.platform.clock import FrozenClock
from dinhdanh.platform.crypto import FieldCipher
from tests.enrollment.office import chip_keys, officer_factory
from tests.factories.cli import env  # noqa: F401  (the CLI's data directory, a fixture)
from tests.factories.clock import stopped_at


@pytest.fixture
def cipher(settings) -> FieldCipher:
    """The cipher the app and the CLI use for the private keys."""
    return settings.field_cipher()


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    """A stopped clock at 1 March 2026, 08:00 UTC, moved by the test."""
    with stopped_at(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)) as moving:
        yield moving


@pytest.fixture
async def officers(app):
    """Open officers' clients of the home commune (or another unit): `await officers()`."""
    async with contextlib.AsyncExitStack() as stack:
        yield officer_factory(app, stack)


@pytest.fixture
async def signing(db, cipher) -> None:
    """The chip signing keys exist (an approval signs the card's SOD)."""
    await chip_keys(db, cipher)
