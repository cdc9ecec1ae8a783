"""Rate limits with the `limits` library, on Redis or in memory like the key-value store."""

from __future__ import annotations

from functools import lru_cache

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from dinhdanh.platform.errors import TooManyRequests


@lru_cache(maxsize=32)
def _parsed(limit: str) -> RateLimitItem:
    # Parsed once per distinct limit: it is checked on every signed-in staff request.
    return parse(limit)


class RateLimiter:
    """Named limits ("20/minute") keyed by caller; raises 429 when exceeded."""

    def __init__(self, redis_url: str | None) -> None:
        self.storage: Storage = (
            RedisStorage(
                redis_url.replace("redis://", "async+redis://", 1), implementation="redispy"
            )
            if redis_url
            else MemoryStorage()
        )
        self.limiter = FixedWindowRateLimiter(self.storage)

    async def hit(self, limit: str, *keys: str) -> None:
        """Count one hit; raise TooManyRequests when over the limit."""
        item = _parsed(limit)
        if not await self.limiter.hit(item, *keys):
            retry = {"Retry-After": str(item.get_expiry())}
            raise TooManyRequests(headers=retry)
