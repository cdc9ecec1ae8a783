"""Usage counters of partner clients: one key-value counter per client, kind of request and
day (Vietnam's calendar), kept 90 days. The OpenID provider counts; the partner page reads.

Counting is one INCR on the hot path (the token endpoint): no database write, nothing to
clean up (the keys expire)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from dinhdanh.platform import clock
from dinhdanh.platform.kv import KeyValue

# What the provider counts. A kind not listed here is a programming error (it would be
# counted but never shown), so `count` refuses it.
USAGE_KINDS: Final[tuple[str, ...]] = (
    "authorize",
    "par",
    "token",
    "userinfo",
    "introspect",
    "revoke",
    "logout",
)
KEEP_DAYS: Final = 90
_KEEP_SECONDS: Final = (KEEP_DAYS + 1) * 24 * 3600  # a day's key lives 90 days past its day


def _key(client_id: str, what: str, day: dt.date) -> str:
    return f"partners:usage:{client_id}:{what}:{day:%Y%m%d}"


def counter(client_id: str, what: str) -> tuple[str, int]:
    """Today's counter of requests of kind `what` (one of USAGE_KINDS) by a client: its
    key and time to live, for a caller that increments it along with its own writes
    (the token endpoint: `KeyValue.set_and_incr`)."""
    if what not in USAGE_KINDS:
        raise ValueError(f"unknown usage kind {what!r}; expected one of {USAGE_KINDS}")
    return _key(client_id, what, clock.today()), _KEEP_SECONDS


async def count(kv: KeyValue, client_id: str, what: str) -> int:
    """Count one request of kind `what` (one of USAGE_KINDS) by a client today; the
    day's count so far."""
    return await kv.incr(*counter(client_id, what))


@dataclass(frozen=True)
class Usage:
    """A client's counts per kind for each of the last days (oldest first, today last)."""

    days: tuple[dt.date, ...]
    counts: dict[str, tuple[int, ...]]

    @property
    def totals(self) -> dict[str, int]:
        """The sum over the period of each kind."""
        return {what: sum(values) for what, values in self.counts.items()}

    @property
    def total(self) -> int:
        """Every request counted over the period."""
        return sum(self.totals.values())

    def rows(self) -> list[tuple[dt.date, dict[str, int]]]:
        """Newest day first, with its count of each kind (what a table shows)."""
        return [
            (day, {what: values[i] for what, values in self.counts.items()})
            for i, day in reversed(list(enumerate(self.days)))
        ]


async def usage(kv: KeyValue, client_id: str, days: int = 30) -> Usage:
    """The per-day counts of the last `days` days (1 to 90), in one round trip."""
    days = max(1, min(days, KEEP_DAYS))
    today = clock.today()
    period = tuple(today - dt.timedelta(days=back) for back in range(days - 1, -1, -1))
    keys = [_key(client_id, what, day) for what in USAGE_KINDS for day in period]
    values = await kv.get_many(*keys)
    counts = {
        what: tuple(int(v) if v else 0 for v in values[i * days : (i + 1) * days])
        for i, what in enumerate(USAGE_KINDS)
    }
    return Usage(days=period, counts=counts)
