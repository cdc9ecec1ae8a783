"""Pairwise subject identifiers (OIDC Core §8.1): each partner sees its own `sub` for a
citizen, so two partners cannot join their records on it, and the personal ID leaves
only as the `dinhdanh_personal_id` claim the citizen consented to."""

from __future__ import annotations

import uuid
from typing import Final

from dinhdanh.platform.crypto import FieldCipher

SUBJECT_CONTEXT: Final = "oidc.sub"


def subject(cipher: FieldCipher, citizen_id: uuid.UUID, partner_id: uuid.UUID) -> str:
    """The citizen's `sub` at this partner: an HMAC of both ids under the server key
    (stable for as long as the server key is: rotating that key changes every `sub`).
    All clients of one partner share it (one organisation, one sector identifier)."""
    return cipher.mac(f"{citizen_id}:{partner_id}".encode(), context=SUBJECT_CONTEXT)
