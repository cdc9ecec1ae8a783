"""One-time codes sent by SMS or e-mail (sign-in, phone and e-mail change, forgotten
password): 6 digits, kept as a digest in the key-value store, 5 minutes, 5 tries, and a
pause between two sends to the same purpose."""

from __future__ import annotations

import secrets
from typing import Final

import orjson

from dinhdanh.platform.crypto import constant_time_equals, token_digest
from dinhdanh.platform.errors import TooManyRequests
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.kv import KeyValue

MAX_TRIES: Final = 5
RESEND_AFTER: Final = 30


class OneTimeCodes:
    """Issue and check single-use codes for (purpose, subject)."""

    def __init__(self, kv: KeyValue, *, ttl: int) -> None:
        self.kv = kv
        self.ttl = ttl

    def _key(self, purpose: str, subject: str) -> str:
        return f"otc:{purpose}:{subject}"

    async def issue(self, purpose: str, subject: str, *, bound_to: str = "") -> str:
        """A fresh code (replacing any earlier one); `bound_to` ties it to a value, such as
        the new phone number, that must come back with it."""
        if not await self.kv.set_if_absent(f"otc-wait:{purpose}:{subject}", b"1", RESEND_AFTER):
            raise TooManyRequests(
                N_("A code was sent less than 30 seconds ago. Wait a moment before asking again."),
                type="code-sent-recently",
            )
        code = f"{secrets.randbelow(10**6):06d}"
        # A random id per code: its tries and its use are counted under it, so a new code
        # starts afresh and an old code's counters cannot touch it.
        record = orjson.dumps(
            {"d": token_digest(code + "|" + bound_to), "b": bound_to, "i": secrets.token_hex(8)}
        )
        await self.kv.set(self._key(purpose, subject), record, ttl=self.ttl)
        return code

    async def pending(self, purpose: str, subject: str) -> str | None:
        """The value an open code is bound to ('' when unbound); None when there is none."""
        raw = await self.kv.get(self._key(purpose, subject))
        return None if raw is None else str(orjson.loads(raw)["b"])

    async def verify(self, purpose: str, subject: str, code: str) -> bool:
        """True once for the right code; a code dies after 5 tries or when used. The tries
        are an atomic counter and the use an atomic set-if-absent, so requests racing with
        guesses or with the same right code cannot get past either."""
        key = self._key(purpose, subject)
        raw = await self.kv.get(key)
        if raw is None:
            return False
        record = orjson.loads(raw)
        if await self.kv.incr(f"otc-tries:{record['i']}", self.ttl) > MAX_TRIES:
            await self.kv.delete(key)
            return False
        code = "".join((code or "").split())
        if not constant_time_equals(token_digest(code + "|" + record["b"]), record["d"]):
            return False
        await self.kv.delete(key)
        return await self.kv.set_if_absent(f"otc-used:{record['i']}", b"1", self.ttl)
