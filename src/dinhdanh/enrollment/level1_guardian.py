"""A parent or guardian registers level 1 for a child under 14 or a ward (Decree 69 Art. 7),
from their own level-2 account.

The registry decides who may: the signed-in holder must be the person's father or mother
(for a child under 14) or their guardian (a ward, of any age), as the registry links
them. Nothing else is asked: the guardian's level-2 account already proves who acts, and
a child under 6 has no card to read. The account is created at once, on the guardian's
phone and e-mail: its initial password comes to the guardian by SMS. An unknown personal
ID and a person the holder is not linked to get the same answer.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.accounts import service as accounts
from dinhdanh.enrollment.level1 import Level1Tools, record
from dinhdanh.enrollment.level1_checks import CHILD_AGE
from dinhdanh.enrollment.level1_models import Level1Registration
from dinhdanh.enrollment.steps import has_reached
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, Forbidden
from dinhdanh.platform.i18n import N_
from dinhdanh.population.identity import identity
from dinhdanh.population.rules import check_field, typed_personal_id
from dinhdanh.population.service import record_for_release

PARENTS: Final = ("father", "mother")
GUARDIAN: Final = "guardian"
NOT_YOURS: Final = N_(
    "The registry does not record you as this person's parent or guardian. Bring the papers "
    "to the commune police to have the relation recorded."
)


async def register_dependant(
    *, session: AsyncSession, tools: Level1Tools, actor: Principal, personal_id: str
) -> Level1Registration:
    """Create the level-1 account of the holder's child under 14 or ward (audited)."""
    holder = await accounts.get_account(session, actor.id or "")
    if holder.level != 2:
        raise Forbidden(
            N_(
                "Only a level-2 account may register a child or a ward. Get level 2 at "
                "the police office."
            ),
            type="level-2-required",
        )
    pid = check_field("personal_id", typed_personal_id, personal_id)
    person = await identity(session=session, personal_id=pid)
    if person is None or person.id == holder.citizen_id:
        raise Forbidden(NOT_YOURS, type="not-guardian")
    relatives = (await record_for_release(session=session, citizen_id=person.id)).relatives
    relation = next(
        (
            r.relation
            for r in relatives
            if r.id == holder.citizen_id and r.relation in (*PARENTS, GUARDIAN)
        ),
        None,
    )
    if relation is None:
        raise Forbidden(NOT_YOURS, type="not-guardian")
    if person.status != "living":
        raise Conflict(N_("The registry records this person as deceased."), type="citizen-deceased")
    if relation in PARENTS and has_reached(person, CHILD_AGE):
        raise Conflict(
            N_("From 14 a child registers their own account, with their ID card."),
            type="dependant-too-old",
        )
    if await accounts.account_of_citizen(session, person.id) is not None:
        raise Conflict(N_("This person already has an e-ID account."), type="account-exists")
    registration = Level1Registration(
        channel="guardian",
        personal_id=person.personal_id,
        citizen_id=person.id,
        phone=holder.phone,
        email=holder.email,
        state="approved",
        checks={"guardian_level2": True, "relation": relation, "age": True, "no_account": True},
        no_chip_verification=False,
        refused_attempts=0,
        guardian_account_id=holder.id,
        relation=relation,
        decided_at=clock.now(),
    )
    session.add(registration)
    await session.flush()
    account = await accounts.create_account(
        session=session,
        tools=tools.accounts,
        actor=actor,
        data=accounts.NewAccount(
            personal_id=person.personal_id, phone=holder.phone, email=holder.email or "", level=1
        ),
    )
    registration.account_id = account.id
    await record(
        session,
        actor,
        "level1.registered_by_guardian",
        registration,
        {"guardian_account": str(holder.id), "relation": relation},
    )
    return registration
