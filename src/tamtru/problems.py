"""The friendly pages shown when signing in does not work out, by kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final


@dataclass(frozen=True, slots=True)
class Problem:
    """A page explaining what went wrong and what to do (msgids)."""

    kind: str
    title: str
    lines: tuple[str, ...]
    status: int
    retry: bool = True
    code: str | None = None


PROBLEMS: Final = {
    p.kind: p
    for p in (
        Problem(
            "denied",
            "You did not allow the sign-in",
            (
                "dinhdanh gave this service none of your data, so the form cannot be filled "
                "in for you.",
                "You can sign in again and allow it, or file the declaration in person at "
                "the commune police.",
            ),
            403,
        ),
        Problem(
            "level",
            "A level-2 account is needed",
            (
                "This procedure needs a level-2 electronic identification account; yours is "
                "level 1.",
                "To get level 2, go to any commune police office or ID card office with your "
                "chip ID card: your portrait and fingerprints are taken there and the account "
                "is raised to level 2 within 3 working days.",
                "Meanwhile you can file the declaration in person at the police of the "
                "commune of the new place.",
            ),
            403,
            retry=False,
        ),
        Problem(
            "expired",
            "The sign-in took too long",
            (
                "The sign-in was not finished in time, or it was started in another window. "
                "Please start again.",
            ),
            400,
        ),
        Problem(
            "unreachable",
            "dinhdanh cannot be reached",
            ("The e-ID service does not answer right now. Please try again in a few minutes.",),
            502,
        ),
        Problem(
            "unverified",
            "The sign-in could not be verified",
            (
                "The answer from dinhdanh did not pass this service's checks (signature, "
                "audience, time, nonce or level), so it was not accepted. Please sign in again.",
            ),
            502,
        ),
        Problem(
            "provider",
            "dinhdanh could not sign you in",
            (
                "The e-ID service refused the sign-in request. Please try again; if it keeps "
                "failing, give the error code below to the service's support.",
            ),
            400,
        ),
        Problem(
            "form_expired",
            "The page has expired",
            (
                "For your safety the form could not be accepted. Open it again and submit "
                "once more.",
            ),
            403,
            retry=False,
        ),
        Problem(
            "not_found",
            "Receipt not found",
            ("None of your declarations has this reference number.",),
            404,
            retry=False,
        ),
    )
}
_INTERACTION: Final = frozenset(
    {"login_required", "consent_required", "interaction_required", "account_selection_required"}
)
_CODE = re.compile(r"[a-z_]{1,40}")


def from_provider(error: str, description: str | None) -> Problem:
    """The page for an error the provider sent back (RFC 6749 §4.1.2.1) or the token
    endpoint answered. The description is free text from a URL, so it is never shown; it
    only tells a "level too low" refusal from a plain one."""
    if error == "access_denied":
        wants_level = "level" in (description or "").lower()
        return PROBLEMS["level" if wants_level else "denied"]
    if error in _INTERACTION:
        return PROBLEMS["denied"]
    if error == "mismatching_state":
        return PROBLEMS["expired"]
    if error == "temporarily_unavailable":
        return PROBLEMS["unreachable"]
    return replace(PROBLEMS["provider"], code=error if _CODE.fullmatch(error) else None)
