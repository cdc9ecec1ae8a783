"""Passkeys (WebAuthn): register one, remove one, and sign in with one — alone (a
discoverable credential, no personal ID typed, where the account allows it) or as the
second factor after the password.

Challenges live in the key-value store for three minutes and answer once. User
verification is required: a passkey is then itself two factors (the device, and the
fingerprint or PIN that unlocks it). The relying party id is `settings.rp_id`; the
accepted origins are the public URL's, and the same with `localhost` and `127.0.0.1`
swapped, as a developer's browser may use either.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from dinhdanh.accounts import factors, signin
from dinhdanh.accounts.models import Account, Passkey
from dinhdanh.accounts.service import (
    AccountTools,
    audit_account,
    confirm_password,
    get_account,
    holder,
)
from dinhdanh.accounts.signin import MFA, Attempt, Outcome
from dinhdanh.platform import audit, clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import (
    Conflict,
    NotFound,
    Problem,
    TooManyRequests,
    Unauthorized,
    ValidationProblem,
    field_error,
)
from dinhdanh.platform.i18n import N_

CHALLENGE_SECONDS: Final = 180
TIMEOUT_MS: Final = 120_000
ALGORITHMS: Final = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
# What a malformed or forged credential from the browser may raise while being read.
_BAD_INPUT = (WebAuthnException, KeyError, TypeError, ValueError, AttributeError)
REGISTER, SIGN_IN, SECOND_FACTOR = "register", "signin", "mfa"


# ---------------------------------------------------------------- relying party


def expected_origins(settings: Any) -> list[str]:
    """The origins a ceremony may come from: the public one, and its localhost twin."""
    origin = settings.public_origin
    scheme, rest = origin.split("://", 1)
    if rest.startswith("["):
        host, port = rest[: rest.index("]") + 1], rest[rest.index("]") + 1 :]
    else:
        host, colon, number = rest.partition(":")
        port = colon + number
    twins = {"localhost": ("127.0.0.1",), "127.0.0.1": ("localhost",), "[::1]": ("localhost",)}
    return [origin] + [f"{scheme}://{other}{port}" for other in twins.get(host, ())]


def _problem_expired() -> Problem:
    return Problem(
        N_("The passkey request has expired. Try again."),
        type="passkey-request-expired",
        status=400,
    )


def _not_accepted() -> Unauthorized:
    return Unauthorized(
        N_("The passkey was not accepted. Try again, or sign in with your password."),
        type="passkey-not-accepted",
        status=401,
    )


def _sign_in_expired() -> Unauthorized:
    return Unauthorized(
        N_("Your sign-in has expired. Enter your personal ID and password again."),
        type="sign-in-expired",
    )


# ---------------------------------------------------------------- challenges


def _challenge_key(challenge: bytes) -> str:
    return f"webauthn:challenge:{bytes_to_base64url(challenge)}"


async def _remember(tools: AccountTools, challenge: bytes, record: dict[str, Any]) -> None:
    await tools.kv.set(_challenge_key(challenge), orjson.dumps(record), ttl=CHALLENGE_SECONDS)


async def _take(
    tools: AccountTools, client_data_json: bytes, purpose: str
) -> tuple[bytes, dict[str, Any]] | None:
    """The challenge the browser answered, with what it was issued for, if it is ours,
    for this purpose and still open; it is used up either way."""
    try:
        challenge = parse_client_data_json(client_data_json).challenge
    except _BAD_INPUT:
        return None
    key = _challenge_key(challenge)
    raw = await tools.kv.get(key)
    # Two answers racing for one challenge: only the first gets past this line.
    if raw is None or not await tools.kv.set_if_absent(key + ":used", b"1", CHALLENGE_SECONDS):
        return None
    await tools.kv.delete(key)
    record = orjson.loads(raw)
    return (challenge, record) if record.get("p") == purpose else None


# ---------------------------------------------------------------- the holder's passkeys


async def list_passkeys(session: AsyncSession, account: Account) -> list[Passkey]:
    """The account's passkeys, oldest first."""
    rows = await session.scalars(
        select(Passkey).where(Passkey.account_id == account.id).order_by(Passkey.created_at)
    )
    return list(rows)


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    transports = []
    for name in filter(None, passkey.transports.split(",")):
        try:
            transports.append(AuthenticatorTransport(name))
        except ValueError:
            continue
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id), transports=transports or None
    )


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
        exclude_credentials=[_descriptor(p) for p in await list_passkeys(session, account)],
        supported_pub_key_algs=ALGORITHMS,
    )
    await _remember(
        tools, options.challenge, {"p": REGISTER, "a": str(account.id), "s": session_id}
    )
    return orjson.loads(options_to_json(options))  # type: ignore[no-any-return]


def clean_name(name: str | None) -> str:
    """A passkey's name: spaces tidied, at most 80 characters."""
    return " ".join((name or "").split())[:80]


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
    except _BAD_INPUT:
        raise _registration_failed() from None
    taken = await _take(tools, parsed.response.client_data_json, REGISTER)
    if (
        taken is None
        or taken[1].get("a") != str(account.id)
        or taken[1].get("s") != (actor.session_id)
    ):
        raise _problem_expired()
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=taken[0],
            expected_rp_id=tools.settings.rp_id,
            expected_origin=expected_origins(tools.settings),
            require_user_verification=True,
            supported_pub_key_algs=ALGORITHMS,
        )
    except _BAD_INPUT:
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


# ---------------------------------------------------------------- signing in


async def sign_in_options(
    session: AsyncSession,
    *,
    tools: AccountTools,
    mode: str,
    sid: str | None,
    attempt: Attempt,
) -> dict[str, Any]:
    """Options for `navigator.credentials.get()`: any passkey of this site (`signin`, the
    passkey alone), or one of the pending sign-in's account (`verify`, second factor)."""
    await tools.limiter.hit(tools.settings.login_rate_limit, "citizen-passkey", attempt.ip or "-")
    allow: list[PublicKeyCredentialDescriptor] = []
    record: dict[str, Any] = {"p": SIGN_IN}
    if mode == "verify":
        found = await signin.pending_sign_in(session, tools, sid, attempt.channel, MFA)
        if found is None:
            raise _sign_in_expired()
        pending, account = found
        allow = [_descriptor(p) for p in await list_passkeys(session, account)]
        record = {"p": SECOND_FACTOR, "s": pending.id, "a": str(account.id)}
    options = generate_authentication_options(
        rp_id=tools.settings.rp_id,
        timeout=TIMEOUT_MS,
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    await _remember(tools, options.challenge, record)
    return orjson.loads(options_to_json(options))  # type: ignore[no-any-return]


async def _failed(
    session: AsyncSession, account: Account | None, attempt: Attempt, reason: str
) -> None:
    data = {"step": "passkey", "reason": reason, "channel": attempt.channel}
    if account is None:
        await audit.record(
            session,
            actor=Principal.anonymous(attempt.ip),
            action="account.sign_in_failed",
            subject_type="account",
            data=data,
        )
    else:
        actor = signin.citizen_actor(account, ip=attempt.ip)
        await audit_account(session, actor, "account.sign_in_failed", account, data)


async def finish_sign_in(
    session: AsyncSession,
    *,
    tools: AccountTools,
    credential: Any,
    mode: str,
    sid: str | None,
    attempt: Attempt,
) -> Outcome:
    """Check the browser's assertion. `signin`: the passkey alone, where its account allows
    it; `verify`: the second factor of the pending sign-in in `sid`. Both end in
    `signin.after_second_factor`: signed in, or at the unlock question of a locked account.
    Failures are returned (their audit events commit), not raised."""
    store = tools.sessions_for(attempt.channel)
    expected: Account | None = None
    if mode == "verify":
        found = await signin.pending_sign_in(session, tools, sid, attempt.channel, MFA)
        if found is None:
            return Outcome(problem=_sign_in_expired(), restart=True)
        previous, expected = found
    else:
        previous = await store.get(sid, touch=False) if sid else None
    try:
        parsed: AuthenticationCredential = parse_authentication_credential_json(credential)
    except _BAD_INPUT:
        return Outcome(problem=_not_accepted())
    purpose = SECOND_FACTOR if expected is not None else SIGN_IN
    taken = await _take(tools, parsed.response.client_data_json, purpose)
    if taken is None or (
        expected is not None and previous is not None and taken[1].get("s") != previous.id
    ):
        return Outcome(problem=_problem_expired())
    passkey = await session.scalar(
        select(Passkey).where(Passkey.credential_id == bytes_to_base64url(parsed.raw_id))
    )
    account = expected if passkey is None else await get_account(session, passkey.account_id)
    if passkey is None or (expected is not None and passkey.account_id != expected.id):
        await _failed(session, expected, attempt, "unknown_passkey")
        return Outcome(problem=_not_accepted(), account=expected)
    assert account is not None
    if expected is not None:
        try:
            await tools.code_guard.check(account.personal_id, attempt.ip)
        except TooManyRequests as locked_out:
            if previous is not None:
                await store.destroy(previous)
            await _failed(session, account, attempt, "locked_out")
            return Outcome(problem=locked_out, restart=True)
    try:
        handle = parsed.response.user_handle
        if handle is not None and handle != account.id.bytes:
            raise ValueError("user handle of another account")
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=taken[0],
            expected_rp_id=tools.settings.rp_id,
            expected_origin=expected_origins(tools.settings),
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except _BAD_INPUT:
        if expected is not None:
            await tools.code_guard.failed(account.personal_id, attempt.ip)
        await _failed(session, account, attempt, "bad_assertion")
        return Outcome(problem=_not_accepted(), account=account)
    if expected is None:
        refused = _refuse_alone(account)
        if refused is not None:
            await _failed(session, account, attempt, refused.type.replace("-", "_"))
            return Outcome(problem=refused, account=account)
    else:
        await tools.code_guard.succeeded(account.personal_id)
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = clock.now()
    return await signin.after_second_factor(
        session,
        tools=tools,
        pending=previous,
        account=account,
        attempt=attempt,
        method="passkey",
    )


def _refuse_alone(account: Account) -> Problem | None:
    """Why this account may not sign in with the passkey alone, if it may not."""
    if account.status != "active":
        # A new initial password was sent: the holder must choose a password first.
        return Unauthorized(
            N_("Sign in with your personal ID and the password from the SMS first."),
            type="passkey-account-pending",
        )
    if not account.passkey_sign_in:
        return Unauthorized(
            N_(
                "This account does not allow signing in with a passkey alone. Sign in with "
                "your personal ID and password, then use the passkey."
            ),
            type="passkey-alone-off",
        )
    return None
