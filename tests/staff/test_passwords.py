"""The staff password rule."""

from __future__ import annotations

import pytest

from dinhdanh.platform.passwords import password_errors


@pytest.mark.parametrize(
    "password",
    [
        "short1!",
        "password1234",
        "Password123456",
        "matkhau12345",
        "aaaaaaaaaaaaaa",
        "ababababababab",
    ],
)
def test_weak_passwords_are_refused(password):
    assert password_errors(password, "lan") != []


def test_password_must_not_contain_the_username():
    assert password_errors("my name is nguyenlan ok", "nguyenlan") == [
        "The password must not contain your username."
    ]


def test_a_long_sentence_is_accepted():
    assert password_errors("bốn con mèo trên mái nhà", "lan") == []
