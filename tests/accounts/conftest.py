"""Account tests read the English messages."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english(client) -> None:
    """Ask for English pages and messages."""
    client.headers["Accept-Language"] = "en"
