"""The edge of level-1 registration shared by the app's API and the pages: the tools, the
anonymous caller, and reading the uploaded card and selfie from a multipart form."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile

from dinhdanh.accounts.web import tools_of
from dinhdanh.enrollment.biometrics import MAX_IMAGE_BYTES
from dinhdanh.enrollment.face_match import make_face_matcher
from dinhdanh.enrollment.level1 import Level1Tools
from dinhdanh.enrollment.level1_card import CardUpload
from dinhdanh.enrollment.level1_checks import MAX_CHIP_FILE_BYTES
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.web import MAX_FORM_BYTES, client_ip

CHIP_FIELD: Final = "chip"
# EF.COM, DG1, DG2, DG13, DG14, DG15, EF.SOD and a spare: what a phone's read may hand over.
MAX_CHIP_FILES: Final = 8
# The largest upload body: the pages' form limit (a selfie of at most 5 MiB and the chip's
# files, some tens of kilobytes, with their multipart framing).
MAX_SUBMIT_BYTES: Final = MAX_FORM_BYTES


def level1_tools(request: Request) -> Level1Tools:
    """The level-1 tools of this app (the face matcher made from the settings once)."""
    state = request.app.state
    matcher = getattr(state, "face_matcher", None)
    if matcher is None:
        matcher = state.face_matcher = make_face_matcher(state.settings, state.cipher)
    return Level1Tools(
        accounts=tools_of(request), cipher=state.cipher, matcher=matcher, settings=state.settings
    )


Tools = Annotated[Level1Tools, Depends(level1_tools)]


def anonymous(request: Request) -> Principal:
    """The caller of a registration step: nobody signed in, known by their address."""
    return Principal.anonymous(client_ip(request))


async def _file(value: object, limit: int) -> bytes:
    """An uploaded file's bytes, cut one byte past `limit` (the checks refuse it then)."""
    if isinstance(value, UploadFile):
        return await value.read(limit + 1)
    return b""


async def read_card_upload(form: FormData) -> CardUpload:
    """The card step's fields: `chip` (the chip's files, any order), `qr_text`, `selfie`."""
    chip_files = [
        await _file(value, MAX_CHIP_FILE_BYTES)
        for value in form.getlist(CHIP_FIELD)[:MAX_CHIP_FILES]
    ]
    qr_text = form.get("qr_text")
    return CardUpload(
        chip_files=[f for f in chip_files if f],
        qr_text=qr_text[:1000] if isinstance(qr_text, str) else "",
        selfie=await _file(form.get("selfie"), MAX_IMAGE_BYTES),
    )
