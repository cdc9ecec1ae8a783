"""Enrollment's edge: the tools dependency, the officer alias, a file answered uncached, and
reading an uploaded image within its size limit (a larger one is refused by its
Content-Length before any of it is read, or as soon as the bytes read pass the limit)."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from dinhdanh.enrollment.biometrics import MAX_IMAGE_BYTES
from dinhdanh.enrollment.steps import EnrollmentTools
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.errors import ValidationProblem, field_error
from dinhdanh.platform.i18n import N_
from dinhdanh.platform.web import body_too_large, refuse_large_body, require_staff

# An image and the few form fields around it.
MAX_UPLOAD_BYTES: Final = MAX_IMAGE_BYTES + 64 * 1024
CHOOSE_FILE: Final = N_("Choose an image file.")


def tools_of(request: Request) -> EnrollmentTools:
    """The enrollment tools of this app (built once, from app.state)."""
    state = request.app.state
    tools = getattr(state, "enrollment_tools", None)
    if tools is None:
        tools = EnrollmentTools(
            cipher=state.cipher, accounts=state.account_tools, settings=state.settings
        )
        state.enrollment_tools = tools
    return tools  # type: ignore[no-any-return]


Tools = Annotated[EnrollmentTools, Depends(tools_of)]
Officer = Annotated[Principal, require_staff("officer", "supervisor")]


def private_file(data: bytes, media_type: str, *, download_as: str | None = None) -> Response:
    """A file for the officer's screen or a download of it: never cached."""
    headers = {"Cache-Control": "no-store"}
    if download_as:
        headers["Content-Disposition"] = f'attachment; filename="{download_as}"'
    return Response(data, media_type=media_type, headers=headers)


async def read_form_image(request: Request, field: str = "image") -> tuple[bytes, dict[str, str]]:
    """The image file of a multipart form (at most MAX_IMAGE_BYTES) and its text fields."""
    refuse_large_body(request, MAX_UPLOAD_BYTES)
    form = await request.form(max_files=1, max_fields=20)
    upload = form.get(field)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationProblem(errors=[field_error(field, CHOOSE_FILE)])
    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise body_too_large(MAX_IMAGE_BYTES)
    data = await upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise body_too_large(MAX_IMAGE_BYTES)
    if not data:
        raise ValidationProblem(errors=[field_error(field, CHOOSE_FILE)])
    return data, fields


async def read_body_image(request: Request) -> bytes:
    """The request's raw body as an image (the API), read only up to MAX_IMAGE_BYTES."""
    refuse_large_body(request, MAX_IMAGE_BYTES)
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > MAX_IMAGE_BYTES:
            raise body_too_large(MAX_IMAGE_BYTES)
        chunks.append(chunk)
    if not total:
        raise ValidationProblem(errors=[field_error("image", CHOOSE_FILE)])
    return b"".join(chunks)
