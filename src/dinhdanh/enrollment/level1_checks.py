"""The automatic checks of a level-1 registration, each refusing with its own problem type.

In order: the selfie (a JPEG or PNG of a face's size); the card, either its chip files
(passive authentication: the SOD's signature, its chain to a trusted CSCA, every data
group's hash; then DG1, DG2 and DG13 read and agreeing with each other) or its QR text;
the card's data against the registry (the personal ID typed, name, date and sex of birth,
the person living, the card known to the registry by its issue date and expiry and valid
today); and the age rules of Decree 69 Art. 7 for registering oneself (6 or older: a
child under 6 is registered by a parent or guardian).

The QR path proves less: the QR text is printed on the card in the clear, anyone who has
seen the card (or knows the person's data) can type it, and no signature covers it. It
passes the same registry checks, and the registration then always goes to an officer,
flagged "no chip verification", whatever face matcher is configured.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from cryptography import x509
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment import card_qr, chip, mrz, sod
from dinhdanh.enrollment.application_models import FACE
from dinhdanh.enrollment.biometrics import MAX_IMAGE_BYTES, ImageInfo, check_image
from dinhdanh.enrollment.chip import FaceImage
from dinhdanh.enrollment.steps import has_reached
from dinhdanh.platform.errors import Problem, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.population import names
from dinhdanh.population.identity import Identity, identity
from dinhdanh.population.rules import BirthDate
from dinhdanh.population.service import CardInfo, record_for_release

SELF_REGISTRATION_AGE: Final = 6  # Decree 69 Art. 7: under 6, a parent or guardian registers
CHILD_AGE: Final = 14  # a parent registers a child under 14; from 14 only a ward's guardian
MAX_CHIP_FILE_BYTES: Final = 512 * 1024
REQUIRED_GROUPS: Final = (1, 2, 13)
SOD_TAG: Final = 0x77

CHIP_TITLE: Final = N_("The card's chip did not pass verification.")
REGISTRY_TITLE: Final = N_("The card does not match the population registry.")
TITLES: Final[dict[str, str]] = {
    "chip-files": CHIP_TITLE,
    "chip-unreadable": CHIP_TITLE,
    "chip-inconsistent": CHIP_TITLE,
    **{f"chip-{failure}": CHIP_TITLE for failure in sod.MESSAGES},
    "qr-unreadable": N_("The card's QR text cannot be read."),
    "card-other-person": REGISTRY_TITLE,
    "citizen-not-found": REGISTRY_TITLE,
    "registry-mismatch": REGISTRY_TITLE,
    "card-not-in-registry": REGISTRY_TITLE,
    "card-not-valid": N_("The card is not valid."),
    "citizen-deceased": REGISTRY_TITLE,
    "citizen-no-residence": REGISTRY_TITLE,
    "age-guardian-only": N_("A child under 6 is registered by a parent or guardian."),
    "account-exists": N_("This person already has an e-ID account."),
    "registration-pending": N_("A registration for this person is already being checked."),
    "card-missing": N_("The card's data is missing."),
}
CONFLICTS: Final = ("account-exists", "registration-pending")
SELFIE_UNUSABLE: Final = N_("The selfie cannot be used.")


class Refused(Problem):
    """A failed check of the registration; `check` is its name and its problem type."""

    status = 422

    def __init__(
        self, check: str, detail: str, *, errors: list[dict[str, Any]] | None = None, **params: Any
    ) -> None:
        super().__init__(
            detail,
            type=check,
            title=TITLES[check],
            status=409 if check in CONFLICTS else 422,
            errors=errors,
            **params,
        )
        self.check = check


@dataclass(frozen=True)
class CardClaims:
    """What the card says about its holder, read from the chip or from the QR text."""

    evidence: str  # "chip" or "qr"
    personal_id: str
    full_name: str
    birth_date: dt.date
    sex: str
    issue_date: dt.date
    expiry: dt.date | None  # the chip only (the QR text has no expiry)
    face: FaceImage | None = None  # the chip's DG2
    files: dict[int, bytes] | None = None  # the chip's data groups, 0 for EF.SOD

    @classmethod
    def of(
        cls,
        evidence: str,
        card: chip.VietnameseData | card_qr.CardQr,
        expiry: dt.date | None,
        **chip_parts: Any,
    ) -> CardClaims:
        """The claims of what the chip's DG13 or the QR text prints about the holder."""
        return cls(
            evidence=evidence,
            personal_id=card.personal_id,
            full_name=card.full_name,
            birth_date=card.birth_date,
            sex=card.sex,
            issue_date=card.issue_date,
            expiry=expiry,
            **chip_parts,
        )


@dataclass(frozen=True)
class RegistryMatch:
    """The registry person the card belongs to, and their card."""

    person: Identity
    card: CardInfo


# ---------------------------------------------------------------- the selfie


def check_selfie(data: bytes) -> ImageInfo:
    """A JPEG or PNG within the face photo's byte and pixel bounds (the office's rules)."""
    if not data:
        raise ValidationProblem(
            SELFIE_UNUSABLE,
            type="selfie-invalid",
            errors=[field_error("selfie", N_("Take or choose a selfie."))],
        )
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationProblem(
            SELFIE_UNUSABLE,
            type="selfie-invalid",
            errors=[
                field_error(
                    "selfie",
                    N_("The selfie is too large: at most %(mb)s MB."),
                    mb=MAX_IMAGE_BYTES // (1024 * 1024),
                )
            ],
        )
    try:
        return check_image(data, FACE)
    except ValidationProblem as problem:
        errors = [{**e, "field": "selfie"} for e in problem.errors]
        raise ValidationProblem(SELFIE_UNUSABLE, type="selfie-invalid", errors=errors) from None


# ---------------------------------------------------------------- the chip


def sort_chip_files(files: Iterable[bytes]) -> dict[int, bytes]:
    """The chip's files by data group number (0 for EF.SOD), each told by its first tag,
    as a phone's NFC read names them; refused when one is unknown, repeated or too big."""
    found: dict[int, bytes] = {}
    for raw in files:
        if not raw:
            continue
        if len(raw) > MAX_CHIP_FILE_BYTES:
            raise Refused("chip-files", N_("A chip file is larger than a card's chip holds."))
        number = 0 if raw[0] == SOD_TAG else chip.data_group_number(raw)
        if number is None:
            raise Refused("chip-files", N_("A file is neither a data group nor the EF.SOD."))
        if number in found:
            raise Refused("chip-files", N_("The same chip file was sent twice."))
        found[number] = raw
    if 0 not in found:
        raise Refused("chip-files", N_("The chip's security object (EF.SOD) is missing."))
    return found


def read_chip(files: Iterable[bytes], cscas: Iterable[x509.Certificate]) -> CardClaims:
    """Passive authentication of the chip's files, then their content, or Refused naming
    the failed check (`chip-signature`, `chip-chain`, `chip-dg-hash`, ...)."""
    found = sort_chip_files(files)
    groups = {n: raw for n, raw in found.items() if n}
    result = sod.passive_authentication(found[0], groups, cscas, required=REQUIRED_GROUPS)
    if not result.ok:
        assert result.failure is not None
        raise Refused(
            f"chip-{result.failure}", sod.MESSAGES[result.failure], dg=result.data_group or ""
        )
    try:
        td1 = chip.parse_dg1(groups[1])
        face = chip.parse_dg2(groups[2])
        vn = chip.parse_dg13(groups[13])
    except (chip.ChipFormatError, mrz.MrzError):
        raise Refused("chip-unreadable", N_("A data group of the chip cannot be read.")) from None
    agree = (
        td1.personal_id == vn.personal_id
        and td1.birth() == vn.birth_date
        and td1.sex == vn.sex
        and td1.expiry() == vn.expiry
    )
    if not agree:
        raise Refused(
            "chip-inconsistent", N_("The chip's machine-readable zone and its data disagree.")
        )
    return CardClaims.of("chip", vn, vn.expiry, face=face, files=found)


def read_qr(text: str) -> CardClaims:
    """The card's data from its QR text (no signature: see the module's docstring)."""
    try:
        qr = card_qr.parse_qr_text(text or "")
    except card_qr.CardQrError:
        raise Refused(
            "qr-unreadable",
            N_("Scan the QR code on the card again: the text has 7 fields separated by '|'."),
        ) from None
    return CardClaims.of("qr", qr, None)


# ---------------------------------------------------------------- the registry


def _birth_agrees(registry: BirthDate, claimed: dt.date) -> bool:
    """The card's full date against the registry's, which may know only year or month."""
    return (
        registry.year == claimed.year
        and registry.month in (None, claimed.month)
        and registry.day in (None, claimed.day)
    )


def _mismatches(person: Identity, claims: CardClaims) -> list[dict[str, Any]]:
    errors = []
    if names.fold(person.full_name) != names.fold(claims.full_name):
        errors.append(field_error("full_name", N_("The name differs from the registry's.")))
    if not _birth_agrees(person.birth, claims.birth_date):
        errors.append(
            field_error("birth_date", N_("The date of birth differs from the registry's."))
        )
    if person.sex != claims.sex:
        errors.append(field_error("sex", N_("The sex differs from the registry's.")))
    return errors


def _the_card(cards: list[CardInfo], claims: CardClaims) -> CardInfo | None:
    """The registry's card the claims describe: numbered with the personal ID, issued that
    day and, when the chip says, expiring that day."""
    for card in cards:
        if card.number != claims.personal_id or card.issue_date != claims.issue_date:
            continue
        if claims.evidence == "chip" and card.expiry_date != claims.expiry:
            continue
        return card
    return None


async def check_registry(
    *, session: AsyncSession, claims: CardClaims, personal_id: str
) -> RegistryMatch:
    """The registry person and card the claims describe, or Refused naming what differs.
    Unscoped and unaudited: the caller audits the registration's checks."""
    if claims.personal_id != personal_id:
        raise Refused(
            "card-other-person", N_("The card belongs to another personal ID than the one entered.")
        )
    person = await identity(session=session, personal_id=personal_id)
    if person is None:
        raise Refused("citizen-not-found", N_("The registry has no citizen with this personal ID."))
    if person.status != "living":
        raise Refused("citizen-deceased", N_("The registry records this person as deceased."))
    if person.home_commune_code is None:
        raise Refused(
            "citizen-no-residence",
            N_("The registry has no residence for this person: visit the police office."),
        )
    errors = _mismatches(person, claims)
    if errors:
        raise Refused(
            "registry-mismatch", N_("The card's data differs from the registry."), errors=errors
        )
    record = await record_for_release(session=session, citizen_id=person.id)
    card = _the_card(record.cards, claims)
    if card is None:
        raise Refused("card-not-in-registry", N_("The registry has no card issued on that day."))
    if card.status != "valid":
        raise Refused(
            "card-not-valid",
            N_("This card is no longer valid: renew it at the police office."),
        )
    return RegistryMatch(person=person, card=card)


# ---------------------------------------------------------------- age


def check_self_registration_age(person: Identity) -> None:
    """Decree 69 Art. 7: with a card from 6 years on; under 6 only through a guardian."""
    if not has_reached(person, SELF_REGISTRATION_AGE):
        raise Refused(
            "age-guardian-only",
            N_(
                "A parent or guardian with a level-2 account registers the child from "
                "their own account."
            ),
        )
