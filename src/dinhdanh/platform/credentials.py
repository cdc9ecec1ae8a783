"""Credential machinery shared by staff and citizen accounts: argon2id, TOTP, lockout."""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Any

import anyio
import argon2
import pyotp
from argon2.exceptions import InvalidHashError, VerificationError

from dinhdanh.platform import clock
from dinhdanh.platform.errors import TooManyRequests
from dinhdanh.platform.kv import KeyValue


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity, e.g. under taskset)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class PasswordHasher:
    """argon2id (m=19 MiB, t=2, p=1 by default), computed on worker threads, never the loop.

    At most one hash per usable core runs at a time: more threads than cores only make
    each hash slower (we measured 23.3 ms instead of 20.2 ms of CPU per verification with
    six at once on one core: the 19 MiB blocks evict each other from the caches) and
    multiply the memory in use. The others wait their turn."""

    def __init__(self, memory_kib: int = 19 * 1024, time_cost: int = 2, parallelism: int = 1):
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        self._limiters: weakref.WeakKeyDictionary[Any, anyio.CapacityLimiter] = (
            weakref.WeakKeyDictionary()
        )

    def _limiter(self) -> anyio.CapacityLimiter:
        # One limiter per event loop (a limiter belongs to the loop that made it).
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(usable_cores())
        return limiter

    @cached_property
    def _dummy(self) -> str:
        # A real hash to verify against when the account is unknown, so both paths cost the
        # same; made at the first such sign-in, not at start-up.
        return self._hasher.hash("dinhdanh-dummy-password")

    async def hash(self, password: str) -> str:
        """Hash a password off the event loop."""
        return await anyio.to_thread.run_sync(self._hasher.hash, password, limiter=self._limiter())

    def _verify(self, stored: str | None, password: str) -> tuple[bool, bool]:
        try:
            self._hasher.verify(stored or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return False, False
        if stored is None:
            return False, False
        return True, self._hasher.check_needs_rehash(stored)

    async def verify(self, stored: str | None, password: str) -> tuple[bool, bool]:
        """(matches, needs_rehash); a None hash costs a full verification and fails."""
        return await anyio.to_thread.run_sync(
            self._verify, stored, password, limiter=self._limiter()
        )


class Totp:
    """TOTP second factor (RFC 6238, 30 s steps, ±1 step), each code usable once."""

    def __init__(self, kv: KeyValue, issuer: str = "dinhdanh") -> None:
        self.kv = kv
        self.issuer = issuer

    @staticmethod
    def new_secret() -> str:
        """A fresh base32 secret."""
        return pyotp.random_base32()

    def provisioning_uri(self, secret: str, account: str) -> str:
        """The otpauth:// URI an authenticator app scans."""
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=self.issuer)

    @staticmethod
    def current_code(secret: str) -> str:
        """The code valid now (demo mode shows it)."""
        return pyotp.TOTP(secret).now()

    async def verify(self, secret: str, code: str, *, subject: str) -> bool:
        """True for a valid code not used before by this subject."""
        code = (code or "").strip().replace(" ", "")
        if len(code) != 6 or not code.isdigit():
            return False
        totp = pyotp.TOTP(secret)
        for drift in (0, -1, 1):
            at = totp.timecode(clock.now()) + drift
            if pyotp.utils.strings_equal(totp.generate_otp(at), code):
                return await self.kv.set_if_absent(f"totp:used:{subject}:{at}", b"1", ttl=120)
        return False


class LoginGuard:
    """Lockout after repeated failures per account, and throttling per client address."""

    def __init__(
        self,
        kv: KeyValue,
        *,
        threshold: int,
        window: int,
        lockout: int,
        ip_threshold: int,
        namespace: str,
    ) -> None:
        self.kv = kv
        self.threshold = threshold
        self.window = window
        self.lockout = lockout
        self.ip_threshold = ip_threshold
        self.ns = namespace

    def _keys(self, account: str, ip: str | None) -> tuple[str, str, str | None]:
        # No address (a check made inside a signed-in request that did not pass one): no
        # per-address counter, never one shared counter for every unknown address.
        return (
            f"lock:{self.ns}:acct:{account}",
            f"fail:{self.ns}:acct:{account}",
            f"fail:{self.ns}:ip:{ip}" if ip else None,
        )

    async def check(self, account: str, ip: str | None) -> bool:
        """Refuse at once while the account is locked or the address has failed too often;
        True when the account has recent failures (a success must then clear them)."""
        lock_key, acct_key, ip_key = self._keys(account, ip)
        keys = (lock_key, acct_key, ip_key) if ip_key else (lock_key, acct_key)
        locked, failures, *by_address = await self.kv.get_many(*keys)
        ip_count = by_address[0] if by_address else None
        if locked is not None:
            raise TooManyRequests(
                "Too many failed attempts. Try again in %(minutes)s minutes.",
                minutes=max(1, (await self.kv.ttl(lock_key) or 60) // 60),
                type="account-locked-out",
            )
        if ip_count is not None and int(ip_count) >= self.ip_threshold:
            raise TooManyRequests(
                "Too many failed attempts from your address. Try again later.",
                type="address-throttled",
            )
        return failures is not None

    async def failed(self, account: str, ip: str | None) -> None:
        """Count a failure; lock the account when it reaches the threshold."""
        lock_key, acct_key, ip_key = self._keys(account, ip)
        if ip_key:
            await self.kv.incr(ip_key, self.window)
        if await self.kv.incr(acct_key, self.window) >= self.threshold:
            await self.kv.set(lock_key, b"1", ttl=self.lockout)
            await self.kv.delete(acct_key)

    async def succeeded(self, account: str) -> None:
        """Clear the account's failure count."""
        await self.kv.delete(self._keys(account, None)[1])

    async def attempt(
        self, account: str, ip: str | None, check: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Run `check` under the guard: refused while locked out; a failure counts, a
        success clears earlier failures (only when there were some)."""
        had_failures = await self.check(account, ip)
        ok = await check()
        if not ok:
            await self.failed(account, ip)
        elif had_failures:
            await self.succeeded(account)
        return ok

    async def unlock(self, account: str) -> None:
        """Lift a lockout (an administrator's reset)."""
        lock_key, acct_key, _ = self._keys(account, None)
        await self.kv.delete(lock_key, acct_key)
