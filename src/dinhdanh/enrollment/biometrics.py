"""Biometrics on an open application: the face photo (the browser's camera or an uploaded
JPEG/PNG) and fingerprint images.

Each image is checked by its content, not its name: a JPEG or PNG signature and a
readable header giving its size in pixels, within `MAX_IMAGE_BYTES` and the pixel
bounds. It is stored AES-GCM encrypted, bound to its application and position, and
never logged: the audit event names the position, the format and the byte size only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dinhdanh.enrollment.application_models import (
    FACE,
    POSITIONS,
    ApplicationBiometric,
    CardApplication,
)
from dinhdanh.enrollment.steps import (
    EnrollmentTools,
    add_captured,
    application_rows,
    load_application,
    locked_application,
    record_step,
)
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.errors import NotFound, ValidationProblem, field_error
from dinhdanh.platform.i18n import N_

MAX_IMAGE_BYTES: Final = 5 * 1024 * 1024
# Pixel bounds (*unconfirmed*: ICAO 9303 wants at least 240 pixels between the eyes'
# outer corners for a printed photo; a browser camera gives 640×480). Fingerprint
# scanners give 500 ppi images of about 300×400.
MIN_PIXELS: Final = {FACE: 240, "finger": 150}
MAX_PIXELS: Final = 8000
SOURCES: Final = ("camera", "upload")
NOT_AN_IMAGE: Final = N_("The file is not a JPEG or PNG image.")
_PNG: Final = b"\x89PNG\r\n\x1a\n"
_JPEG: Final = b"\xff\xd8\xff"
# JPEG start-of-frame markers (C0–CF but DHT C4, JPG C8 and DAC CC) carry the size.
_SOF: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an image file says."""

    media_type: str
    width: int
    height: int


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker in _SOF and pos + 9 <= len(data):
            height = int.from_bytes(data[pos + 5 : pos + 7], "big")
            width = int.from_bytes(data[pos + 7 : pos + 9], "big")
            return width, height
        if marker == 0xDA or length < 2:  # image data before any frame header
            return None
        pos += 2 + length
    return None


def image_info(data: bytes) -> ImageInfo | None:
    """The format and pixel size of a JPEG or PNG file, from its content (None: neither)."""
    if data.startswith(_PNG) and data[12:16] == b"IHDR" and len(data) >= 24:
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        return ImageInfo("image/png", width, height)
    if data.startswith(_JPEG):
        size = _jpeg_size(data)
        return ImageInfo("image/jpeg", *size) if size else None
    return None


def check_image(data: bytes, position: str) -> ImageInfo:
    """A JPEG or PNG of fitting size for the position, else ValidationProblem (413 sizes
    are refused earlier, when the upload is read)."""
    info = image_info(data)
    if info is None:
        raise ValidationProblem(
            NOT_AN_IMAGE, type="not-an-image", errors=[field_error("image", NOT_AN_IMAGE)]
        )
    least = MIN_PIXELS[FACE if position == FACE else "finger"]
    if min(info.width, info.height) < least or max(info.width, info.height) > MAX_PIXELS:
        raise ValidationProblem(
            errors=[
                field_error(
                    "image",
                    N_("The image must be at least %(least)s and at most %(most)s pixels a side."),
                    least=least,
                    most=MAX_PIXELS,
                )
            ]
        )
    return info


def biometric_context(application_id: object, position: str) -> str:
    """The encryption context binding an image to its application and position."""
    return f"application_biometrics:{application_id}:{position}"


async def capture_image(
    *,
    session: AsyncSession,
    tools: EnrollmentTools,
    principal: Principal,
    application_id: str,
    position: str,
    data: bytes,
    source: str,
) -> ApplicationBiometric:
    """Store the face or a finger (replacing an earlier capture of the same position)."""
    if position not in POSITIONS:
        raise ValidationProblem(errors=[field_error("position", N_("Choose the finger."))])
    if source not in SOURCES:
        source = "upload"
    application = await locked_application(session, principal, application_id, "open")
    info = check_image(data, position)
    await session.execute(
        delete(ApplicationBiometric).where(
            ApplicationBiometric.application_id == application.id,
            ApplicationBiometric.position == position,
        )
    )
    image = ApplicationBiometric(
        application_id=application.id,
        position=position,
        media_type=info.media_type,
        width=info.width,
        height=info.height,
        size=len(data),
        source=source,
        data_enc=tools.cipher.encrypt_bytes(
            data, context=biometric_context(application.id, position)
        ),
        captured_by=principal.id,
    )
    await add_captured(
        session,
        principal,
        application,
        image,
        "enrollment.application.biometric_captured",
        {"position": position, "media_type": info.media_type, "bytes": len(data), "source": source},
    )
    return image


async def captured(
    session: AsyncSession, application: CardApplication
) -> list[ApplicationBiometric]:
    """The application's captured images (metadata; the bytes stay encrypted)."""
    return await application_rows(
        session, ApplicationBiometric, application, ApplicationBiometric.position
    )


def decrypt_image(cipher: FieldCipher, image: ApplicationBiometric) -> bytes:
    """The image's bytes."""
    return cipher.decrypt_bytes(
        image.data_enc, context=biometric_context(image.application_id, image.position)
    )


async def read_image(
    *,
    session: AsyncSession,
    tools: EnrollmentTools,
    principal: Principal,
    application_id: str,
    position: str,
) -> tuple[bytes, str]:
    """One captured image and its media type, for the officer's screen (audited read)."""
    application = await load_application(
        session=session, principal=principal, application_id=application_id
    )
    image = await session.scalar(
        select(ApplicationBiometric).where(
            ApplicationBiometric.application_id == application.id,
            ApplicationBiometric.position == position,
        )
    )
    if image is None:
        raise NotFound()
    await record_step(
        session,
        principal,
        application,
        "enrollment.application.biometric_viewed",
        {"position": position},
    )
    return decrypt_image(tools.cipher, image), image.media_type
