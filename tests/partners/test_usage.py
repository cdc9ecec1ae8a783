"""Usage counters: one per client, kind and day (Vietnam's calendar), kept 90 days."""

from __future__ import annotations

import datetime as dt

import pytest

from dinhdanh.partners.usage import USAGE_KINDS, count, usage


async def test_counts_per_day_and_kind(kv, frozen):
    assert await count(kv, "dd-1", "token") == 1
    assert await count(kv, "dd-1", "token") == 2
    await count(kv, "dd-2", "token")  # another client
    frozen.advance(hours=15)  # 10 March 17:00 UTC = 11 March 00:00 in Vietnam
    assert await count(kv, "dd-1", "token") == 1
    await count(kv, "dd-1", "authorize")
    seen = await usage(kv, "dd-1")
    assert len(seen.days) == 30 and seen.days[-1] == dt.date(2026, 3, 11)
    assert seen.days[0] == dt.date(2026, 2, 10)
    assert seen.counts["token"][-2:] == (2, 1)
    assert seen.totals["token"] == 3 and seen.totals["authorize"] == 1 and seen.total == 4
    assert set(seen.counts) == set(USAGE_KINDS)
    newest_day, newest = seen.rows()[0]
    assert newest_day == dt.date(2026, 3, 11) and newest["authorize"] == 1


async def test_a_days_counter_is_kept_ninety_days(kv):
    await count(kv, "dd-1", "userinfo")
    left = await kv.ttl("partners:usage:dd-1:userinfo:20260310")
    assert left is not None and 90 * 86400 < left <= 91 * 86400


async def test_an_unknown_kind_is_a_programming_error(kv):
    with pytest.raises(ValueError, match="unknown usage kind"):
        await count(kv, "dd-1", "tokens")


async def test_periods_are_bounded(kv):
    assert len((await usage(kv, "dd-1", days=365)).days) == 90
    assert len((await usage(kv, "dd-1", days=0)).days) == 1
