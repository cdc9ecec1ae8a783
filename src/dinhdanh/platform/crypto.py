"""Field encryption (AES-GCM with a key id) and token helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class FieldCipher:
    """Encrypts small fields at rest; the key id travels with the ciphertext for rotation."""

    def __init__(self, secret_key: str, key_id: str = "k1") -> None:
        self.key_id = key_id
        self._keys = {key_id: self._derive(secret_key, key_id)}

    @staticmethod
    def _derive(secret_key: str, key_id: str) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"field:{key_id}".encode()
        ).derive(secret_key.encode())

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """Encrypt; `context` binds the ciphertext to its column."""
        nonce = os.urandom(12)
        ct = AESGCM(self._keys[self.key_id]).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self.key_id}:{base64.urlsafe_b64encode(nonce + ct).decode()}"

    def mac(self, data: bytes, *, context: str) -> str:
        """A keyed digest (HMAC-SHA256): stands for data that may hold a secret, such as a
        request body with a password, without a plain hash anyone could brute-force."""
        key = self._keys[self.key_id]
        return hmac.new(key, context.encode() + b"\0" + data, hashlib.sha256).hexdigest()

    def decrypt(self, token: str, *, context: str = "") -> str:
        """Decrypt a value made by `encrypt`."""
        key_id, _, blob = token.partition(":")
        raw = base64.urlsafe_b64decode(blob)
        return AESGCM(self._keys[key_id]).decrypt(raw[:12], raw[12:], context.encode()).decode()

    def encrypt_bytes(self, plaintext: bytes, *, context: str) -> bytes:
        """Encrypt a binary value (an image): `key id:` + nonce + ciphertext, no base64."""
        nonce = os.urandom(12)
        ct = AESGCM(self._keys[self.key_id]).encrypt(nonce, plaintext, context.encode())
        return self.key_id.encode() + b":" + nonce + ct

    def decrypt_bytes(self, blob: bytes, *, context: str) -> bytes:
        """Decrypt a value made by `encrypt_bytes` (with the same `context`)."""
        key_id, _, raw = bytes(blob).partition(b":")
        return AESGCM(self._keys[key_id.decode()]).decrypt(raw[:12], raw[12:], context.encode())


def random_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe token."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Store only the SHA-256 of bearer tokens (invitations, resets)."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    """Compare secrets without leaking their length of common prefix."""
    return hmac.compare_digest(a.encode(), b.encode())
