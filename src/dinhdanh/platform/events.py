"""Domain events inside one transaction: a lower context announces a fact, a higher one reacts.

The dependency direction forbids the registry from calling accounts (a death recorded must
lock the account), so the registry publishes `citizen.died` and the accounts context, which
subscribes at import, reacts in the same unit of work: both commit or neither does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.platform.auth import Principal

Handler = Callable[..., Awaitable[None]]
_handlers: dict[str, list[Handler]] = defaultdict(list)

# The events published so far, with their keyword payloads.
CITIZEN_DIED: Final = "citizen.died"  # citizen_id
CARD_REVOKED: Final = "card.revoked"  # citizen_id, reason ("revoked" | "seized")
CARD_RESTORED: Final = "card.restored"  # citizen_id (a seized card handed back)
CARD_ISSUED: Final = "card.issued"  # citizen_id
ACCOUNT_LOCKED: Final = "account.locked"  # account_id, citizen_id (tokens and shares end)
PARTNER_SUSPENDED: Final = "partner.suspended"  # partner_id (its clients' tokens end)
CLIENT_DISABLED: Final = "partner.client_disabled"  # client_id (its tokens end)


def subscribe(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for an event (called at import by the reacting context)."""

    def register(handler: Handler) -> Handler:
        if handler not in _handlers[name]:
            _handlers[name].append(handler)
        return handler

    return register


async def publish(session: AsyncSession, name: str, *, actor: Principal, **payload: Any) -> None:
    """Run every handler of `name` now, in the caller's transaction."""
    for handler in list(_handlers.get(name, ())):
        await handler(session=session, actor=actor, **payload)
