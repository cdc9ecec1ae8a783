"""Passkeys (WebAuthn): the relying party, the challenges, and signing in with a passkey —
alone (a discoverable credential, no personal ID typed, where the account allows it) or
as the second factor after the password. Registering and removing one: in
`passkey_registration.py`.

Challenges live in the key-value store for three minutes and answer once. User
verification is required: a passkey is then itself two factors (the device, and the
fingerprint or PIN that unlocks it). The relying party id is `settings.rp_id`; the
accepted origins are the public URL's, and the same with `localhost` and `127.0.0.1`
swapped, as a developer's browser may use either.
"""

from __future__ import annotations

from typing import Any, Final

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    options_to_json,
    verify_authentication_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    UserVerificationRequirement,
)

from dinhdanh.accounts import signin
from dinhdanh.accounts.models import Account, Passkey
from dinhdanh.accounts.service import (
    AccountTools,
    get_account,
)
from dinhdanh.accounts.signin import MFA, Attempt, Outcome
from dinhdanh.platform import clock
from dinhdanh.platform.errors import (
    Problem,
    TooManyRequests,
    Unauthorized,
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
BAD_INPUT = (WebAuthnException, KeyError, TypeError, ValueError, AttributeError)
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


def challenge_expired() -> Problem:
    """The answer to a challenge that is unknown, used, expired or for something else."""
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


# ---------------------------------------------------------------- challenges


def _challenge_key(challenge: bytes) -> str:
    return f"webauthn:challenge:{bytes_to_base64url(challenge)}"


async def remember_challenge(tools: AccountTools, challenge: bytes, record: dict[str, Any]) -> None:
    """Keep a challenge, with what it is for, until it is answered (three minutes at most)."""
    await tools.kv.set(_challenge_key(challenge), orjson.dumps(record), ttl=CHALLENGE_SECONDS)


async def take_challenge(
    tools: AccountTools, client_data_json: bytes, purpose: str
) -> tuple[bytes, dict[str, Any]] | None:
    """The challenge the browser answered, with what it was issued for, if it is ours,
    for this purpose and still open; it is used up either way."""
    try:
        challenge = parse_client_data_json(client_data_json).challenge
    except BAD_INPUT:
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


def descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    """The passkey as the browser's options name it (allowed or excluded credentials)."""
    transports = []
    for name in filter(None, passkey.transports.split(",")):
        try:
            transports.append(AuthenticatorTransport(name))
        except ValueError:
            continue
    return PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(passkey.credential_id), transports=transports or None
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
            raise signin.expired_sign_in()
        pending, account = found
        allow = [descriptor(p) for p in await list_passkeys(session, account)]
        record = {"p": SECOND_FACTOR, "s": pending.id}
    options = generate_authentication_options(
        rp_id=tools.settings.rp_id,
        timeout=TIMEOUT_MS,
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    await remember_challenge(tools, options.challenge, record)
    return orjson.loads(options_to_json(options))  # type: ignore[no-any-return]


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
            return Outcome(problem=signin.expired_sign_in(), restart=True)
        previous, expected = found
    else:
        previous = await store.get(sid, touch=False) if sid else None
    try:
        parsed: AuthenticationCredential = parse_authentication_credential_json(credential)
    except BAD_INPUT:
        return Outcome(problem=_not_accepted())
    purpose = SECOND_FACTOR if expected is not None else SIGN_IN
    taken = await take_challenge(tools, parsed.response.client_data_json, purpose)
    if taken is None or (
        expected is not None and previous is not None and taken[1].get("s") != previous.id
    ):
        return Outcome(problem=challenge_expired())
    passkey = await session.scalar(
        select(Passkey).where(Passkey.credential_id == bytes_to_base64url(parsed.raw_id))
    )
    account = expected if passkey is None else await get_account(session, passkey.account_id)
    if passkey is None or (expected is not None and passkey.account_id != expected.id):
        await signin.record_failure(session, expected, attempt, "passkey", "unknown_passkey")
        return Outcome(problem=_not_accepted(), account=expected)
    assert account is not None
    if expected is not None:
        try:
            await tools.code_guard.check(account.personal_id, attempt.ip)
        except TooManyRequests as locked_out:
            if previous is not None:
                await store.destroy(previous)
            await signin.record_failure(session, account, attempt, "passkey", "locked_out")
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
    except BAD_INPUT:
        if expected is not None:
            await tools.code_guard.failed(account.personal_id, attempt.ip)
        await signin.record_failure(session, account, attempt, "passkey", "bad_assertion")
        return Outcome(problem=_not_accepted(), account=account)
    if expected is None:
        refused = _refuse_alone(account)
        if refused is not None:
            await signin.record_failure(
                session, account, attempt, "passkey", refused.type.replace("-", "_")
            )
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
    if account.locked:
        # A panic lock is lifted with password and second factor: a stolen phone with its
        # passkey must not undo it.
        return Unauthorized(
            N_("Your account is locked. Sign in with your personal ID and password to unlock it."),
            type="passkey-account-locked",
        )
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
