"""argon2id hashing, TOTP single use, lockout per account and per address, sessions."""

from __future__ import annotations

import pyotp
import pytest

from dinhdanh.platform.credentials import LoginGuard, PasswordHasher, Totp
from dinhdanh.platform.errors import TooManyRequests
from dinhdanh.platform.kv import MemoryKV
from dinhdanh.platform.sessions import SessionStore


async def test_argon2id_with_the_required_parameters():
    hasher = PasswordHasher()
    stored = await hasher.hash("một mật khẩu dài")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await hasher.verify(stored, "một mật khẩu dài") == (True, False)
    assert await hasher.verify(stored, "sai") == (False, False)
    assert await hasher.verify(None, "anything") == (False, False)


async def test_rehash_is_asked_for_when_parameters_change():
    old = await PasswordHasher(memory_kib=8 * 1024, time_cost=1).hash("pw-123456789")
    assert await PasswordHasher().verify(old, "pw-123456789") == (True, True)


async def test_totp_code_is_accepted_once(kv):
    totp = Totp(kv)
    secret = totp.new_secret()
    code = pyotp.TOTP(secret).now()
    assert await totp.verify(secret, code, subject="s1")
    assert not await totp.verify(secret, code, subject="s1")
    assert not await totp.verify(secret, "12345", subject="s1")


async def test_lockout_per_account_then_per_address(kv):
    guard = LoginGuard(kv, threshold=3, window=60, lockout=60, ip_threshold=5, namespace="t")
    for _ in range(3):
        await guard.check("alice", "1.2.3.4")
        await guard.failed("alice", "1.2.3.4")
    with pytest.raises(TooManyRequests) as locked:
        await guard.check("alice", "9.9.9.9")
    assert locked.value.type == "account-locked-out"
    await guard.failed("bob", "1.2.3.4")
    await guard.failed("carol", "1.2.3.4")
    with pytest.raises(TooManyRequests) as throttled:
        await guard.check("dave", "1.2.3.4")
    assert throttled.value.type == "address-throttled"


async def test_sessions_rotate_expire_and_revoke(kv):
    store = SessionStore(kv, ttl=3600, idle=600, namespace="t")
    first = await store.create("u1", ip="1.1.1.1")
    second = await store.create("u1", ip="1.1.1.2")
    assert first.id != second.id
    assert {s.id for s in await store.list_for("u1")} == {first.id, second.id}
    assert await store.destroy_all("u1") == 2
    assert await store.get(first.id) is None and await store.get(second.id) is None


async def test_memory_store_session_round_trip():
    store = SessionStore(MemoryKV(), ttl=60, idle=60, namespace="m")
    data = await store.create("u", ip=None, extra={"verified": True})
    assert (await store.get(data.id)).extra == {"verified": True}
