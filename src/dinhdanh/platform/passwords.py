"""The password rule: long, not common, not built on the username."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Final

from dinhdanh.platform.i18n import N_

MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 256
_TRAILING: Final = "0123456789!@#$%^&*()-_=+.,;:?~ "


@cache
def common_passwords() -> frozenset[str]:
    """The refused list, read once from the package data."""
    text = (resources.files("dinhdanh.data") / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_errors(password: str, username: str) -> list[str]:
    """Messages (msgids) naming what is wrong with a new password; empty when it is fine."""
    if len(password) < MIN_LENGTH:
        return [N_("Use at least 12 characters.")]
    if len(password) > MAX_LENGTH:
        return [N_("Use at most 256 characters.")]
    lowered = password.lower()
    errors = []
    if lowered in common_passwords() or lowered.rstrip(_TRAILING) in common_passwords():
        errors.append(N_("This password is too common. Choose another."))
    elif len(set(lowered)) <= 3:
        errors.append(N_("This password repeats too few characters. Choose another."))
    if username and username.lower() in lowered:
        errors.append(N_("The password must not contain your username."))
    return errors
