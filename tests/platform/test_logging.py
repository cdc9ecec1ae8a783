"""Logs never hold a full personal ID or a secret."""

from __future__ import annotations

from dinhdanh.platform.logging import mask_processor, mask_text


def test_personal_ids_are_masked_in_text():
    assert mask_text("lookup 079203001345 done") == "lookup 079******345 done"
    assert mask_text("phone 0912345678") == "phone 0912345678"


def test_secret_keys_are_hidden_and_nested_ids_masked():
    event = mask_processor(
        None,
        "info",
        {
            "event": "login",
            "password": "hunter2",
            "totp_code": "123456",
            "commune_code": "00004",
            "ctx": {"pid": "001099012345", "session_token": "abc"},
        },
    )
    assert event["password"] == "***" and event["totp_code"] == "***"
    assert event["commune_code"] == "00004"
    assert event["ctx"] == {"pid": "001******345", "session_token": "***"}


def test_invitation_tokens_in_paths_are_masked():
    assert mask_text("GET /staff/invite/Abc-_123xyz/password") == "GET /staff/invite/***/password"
