"""The password rules: long, not common, not built on the username or the holder's own data;
and the app's 6-digit passcode."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable
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


def _fold(text: str) -> str:
    # Accent-free lower case without spaces: "Nguyễn Văn Đức" -> "nguyenvanduc".
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "d").replace("đ", "d"))
    return "".join(ch for ch in decomposed.casefold() if ch.isascii() and ch.isalnum())


def personal_data_errors(password: str, personal: Iterable[str]) -> list[str]:
    """A message when the password contains the holder's own data: ID, birth date, name
    parts, phone (accents and case ignored; pieces shorter than 4 characters are not checked,
    so a 3-letter name does not ban every password holding it)."""
    folded = _fold(password)
    for piece in personal:
        piece_folded = _fold(piece)
        if len(piece_folded) >= 4 and piece_folded in folded:
            return [N_("The password must not contain your ID, birth date, name or phone.")]
    return []


def citizen_password_errors(password: str, personal: Iterable[str]) -> list[str]:
    """The citizen's rule: the common rule, and none of the holder's own data."""
    return password_errors(password, "") + personal_data_errors(password, personal)


def passcode_errors(passcode: str, personal: Iterable[str]) -> list[str]:
    """The app's 6-digit passcode: digits only, not one digit repeated, not a run
    (123456, 654321), not a date the holder is known by (birth date as ddmmyy or yymmdd)."""
    if len(passcode) != 6 or not passcode.isdigit():
        return [N_("The passcode is exactly 6 digits.")]
    steps = {int(b) - int(a) for a, b in itertools.pairwise(passcode)}
    if len(set(passcode)) <= 2 or steps in ({1}, {-1}):
        return [N_("This passcode is too easy to guess. Choose another.")]
    if any(passcode in _fold(piece) for piece in personal if len(_fold(piece)) >= 6):
        return [N_("The passcode must not be your birth date, ID or phone number.")]
    return []
