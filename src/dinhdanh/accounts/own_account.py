"""The signed-in holder acting on their own account: one route dependency (`Own`) that
gathers what every such route needs, and runs the account services that all take
`session, tools, actor, account` keyword arguments (on pages, or once per Idempotency-Key
in the app's API)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import service
from dinhdanh.accounts.models import Account
from dinhdanh.accounts.service import AccountTools
from dinhdanh.accounts.web import CurrentCitizen, Tools
from dinhdanh.platform import idempotency
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.web import Session

T = TypeVar("T")


@dataclass(frozen=True)
class OwnAccount:
    """The request, its unit of work, the account tools and the signed-in holder."""

    request: Request
    session: AsyncSession
    tools: AccountTools
    principal: Principal

    async def account(self) -> Account:
        """The holder's account (404 if it is gone)."""
        return await service.get_account(self.session, self.principal.id or "")

    async def call(self, work: Callable[..., Awaitable[T]], account: Account, **values: Any) -> T:
        """`work(session=, tools=, actor=, account=, **values)`: an account service acting on
        the holder's own account, as the holder."""
        return await work(
            session=self.session,
            tools=self.tools,
            actor=self.principal,
            account=account,
            **values,
        )

    async def once(
        self,
        work: Callable[..., Awaitable[T]],
        answer: Callable[[T], tuple[int, Any]],
        **values: Any,
    ) -> Response:
        """An app API change: `call(work, ...)` run once per Idempotency-Key (a retry gets
        the first answer again); `answer` turns its result into the status and JSON body."""
        account = await self.account()

        async def operation() -> tuple[int, Any]:
            return answer(await self.call(work, account, **values))

        return await idempotency.once(
            self.request, self.session, owner=str(account.id), operation=operation
        )


def no_content(_: object) -> tuple[int, None]:
    """The answer of a change that says nothing back: 204."""
    return 204, None


def new_codes(codes: list[str] | None) -> tuple[int, dict[str, list[str]]]:
    """The answer of a change that may make the first recovery codes."""
    return 200, {"recovery_codes": codes or []}


async def own_account(
    request: Request, session: Session, tools: Tools, principal: CurrentCitizen
) -> OwnAccount:
    """The `Own` dependency: refuses a caller who is not a signed-in holder."""
    return OwnAccount(request=request, session=session, tools=tools, principal=principal)


Own = Annotated[OwnAccount, Depends(own_account)]
