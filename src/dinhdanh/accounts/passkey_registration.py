"""Registering and removing the holder's passkeys (WebAuthn), on the relying party and the
challenges of `passkeys.py`. Adding one needs the password first (at the options step);
removing one needs it too. Both are audited and told to the holder by SMS."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import generate_registration_options, options_to_json, verify_registration_response
from webauthn.helpers import bytes_to_base64url, parse_registration_credential_json
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from dinhdanh.accounts import factors
from dinhdanh.accounts.models import Account, Passkey
from dinhdanh.accounts.passkeys import (
    ALGORITHMS,
    BAD_INPUT,
    REGISTER,
    TIMEOUT_MS,
    challenge_expired,
    descriptor,
    expected_origins,
    list_passkeys,
    remember_challenge,
    take_challenge,
)
from dinhdanh.accounts.passwords import confirm_password
from dinhdanh.accounts.service import AccountTools, holder
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import Conflict, NotFound, Problem, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.text import clean_line


async def registration_options(
    *,
    session: AsyncSession,
    tools: AccountTools,
    account: Account,
    password: str,
    session_id: str | None,
) -> dict[str, Any]:
    """Options for `navigator.credentials.create()`, after the password: a discoverable
    credential with user verification, none of the account's existing ones again."""
    await confirm_password(tools, account, password)
    who = await holder(session, account)
    settings = tools.settings
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=settings.webauthn_rp_name,
        user_id=account.id.bytes,
        user_name=account.personal_id,
        user_display_name=who.full_name,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[descriptor(p) for p in await list_passkeys(session, account)],
        supported_pub_key_algs=ALGORITHMS,
    )
    await remember_challenge(
        tools, options.challenge, {"p": REGISTER, "a": str(account.id), "s": session_id}
    )
    return orjson.loads(options_to_json(options))  # type: ignore[no-any-return]


def clean_name(name: str | None) -> str:
    """A passkey's name: spaces tidied, at most 80 characters."""
    return clean_line(name)[:80]


async def add_passkey(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    credential: Any,
    name: str,
) -> tuple[Passkey, list[str]]:
    """Store the new passkey the browser made with our options. Returns it, and the new
    recovery codes when it is the account's first second factor."""
    name = clean_name(name)
    if not name:
        raise ValidationProblem(
            errors=[field_error("name", N_("Name the passkey, for example after its device."))]
        )
    try:
        parsed: RegistrationCredential = parse_registration_credential_json(credential)
    except BAD_INPUT:
        raise _registration_failed() from None
    taken = await take_challenge(tools, parsed.response.client_data_json, REGISTER)
    if (
        taken is None
        or taken[1].get("a") != str(account.id)
        or taken[1].get("s") != (actor.session_id)
    ):
        raise challenge_expired()
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=taken[0],
            expected_rp_id=tools.settings.rp_id,
            expected_origin=expected_origins(tools.settings),
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except BAD_INPUT:
        raise _registration_failed() from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if await session.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise Conflict(N_("This passkey is already registered."), type="passkey-exists")
    first = not await factors.has_factor(session, account)
    transports = ",".join(t.value for t in parsed.response.transports or [])
    passkey = Passkey(
        account_id=account.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name,
        transports=transports[:120],
    )
    session.add(passkey)
    await session.flush()
    codes = await factors.factor_added(
        session,
        actor,
        account,
        action="account.passkey_added",
        data={"passkey": str(passkey.id), "name": name},
        first=first,
        notice=N_(
            'dinhdanh: a passkey ("%(name)s") was added to your e-ID account. '
            "Not you? Lock your account now."
        ),
        name=name,
    )
    return passkey, codes


def _registration_failed() -> Problem:
    return Problem(
        N_("The passkey could not be registered. Try again."),
        type="passkey-registration-failed",
        status=400,
    )


async def own_passkey(
    session: AsyncSession, account: Account, passkey_id: uuid.UUID | str
) -> Passkey:
    """One of the account's passkeys, or NotFound (another's passkey is not found either)."""
    try:
        pid = passkey_id if isinstance(passkey_id, uuid.UUID) else uuid.UUID(str(passkey_id))
    except ValueError:
        raise NotFound() from None
    passkey = await session.get(Passkey, pid)
    if passkey is None or passkey.account_id != account.id:
        raise NotFound()
    return passkey


async def remove_passkey(
    *,
    session: AsyncSession,
    tools: AccountTools,
    actor: Principal,
    account: Account,
    passkey_id: uuid.UUID | str,
    password: str,
) -> None:
    """Remove one of the holder's passkeys, confirmed with the password."""
    passkey = await own_passkey(session, account, passkey_id)
    await confirm_password(tools, account, password)
    data = {"passkey": str(passkey.id), "name": passkey.name}
    await session.delete(passkey)
    await session.flush()
    await factors.factor_removed(
        session,
        actor,
        account,
        action="account.passkey_removed",
        data=data,
        notice=N_(
            'dinhdanh: the passkey "%(name)s" was removed from your e-ID account. '
            "Not you? Lock your account now."
        ),
        name=data["name"],
    )
