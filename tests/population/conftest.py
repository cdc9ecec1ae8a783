"""Registry test helpers: signed-in officers at each scope level."""

from __future__ import annotations

import pytest

from dinhdanh.platform.auth import Scope
from tests.factories.auth import sign_in_as
from tests.factories.population import HOME


@pytest.fixture
async def officer(client, app):
    """The client signed in as an officer of the home commune (Phường Ba Đình)."""
    await sign_in_as(
        client, app, roles=("officer",), scope=Scope("commune", "01", HOME), unit_code="CA-00004"
    )
    return client
