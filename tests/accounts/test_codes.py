"""One-time codes: single use, five tries, bound to their destination."""

from __future__ import annotations

import asyncio

from dinhdanh.accounts.codes import OneTimeCodes


async def test_a_code_dies_after_five_wrong_tries(kv):
    codes = OneTimeCodes(kv, ttl=300)
    code = await codes.issue("signin", "acct-1")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert not await codes.verify("signin", "acct-1", wrong)
    assert not await codes.verify("signin", "acct-1", code)


async def test_two_requests_with_the_right_code_at_once_succeed_once(kv):
    codes = OneTimeCodes(kv, ttl=300)
    code = await codes.issue("signin", "acct-2")
    results = await asyncio.gather(*(codes.verify("signin", "acct-2", code) for _ in range(4)))
    assert sorted(results) == [False, False, False, True]


async def test_a_code_bound_to_a_new_phone_works_only_for_it(kv):
    codes = OneTimeCodes(kv, ttl=300)
    code = await codes.issue("phone", "acct-3", bound_to="0987654321")
    assert await codes.pending("phone", "acct-3") == "0987654321"
    assert await codes.verify("phone", "acct-3", f" {code[:3]} {code[3:]} ")
    assert await codes.pending("phone", "acct-3") is None
