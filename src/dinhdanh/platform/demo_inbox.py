"""The demo inbox: the SMS and e-mails the embedded default's file sinks wrote, newest first,
so that a newcomer can follow activation (the initial password), one-time codes and
notices without a phone. Demo mode only: in any other setting the page does not exist.

The file sink writes `<data_dir>/outbox/<channel>/<UTC time>-<message id>.txt`, a small
RFC 822-like text (To, Subject, Message-Id, a blank line, the body); see `notify.FileSink`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from dinhdanh.platform import clock
from dinhdanh.platform.notify import FILE_STAMP
from dinhdanh.platform.web import render

router = APIRouter(include_in_schema=False)
CHANNELS: Final = ("sms", "email")
MAX_MESSAGES: Final = 200
MAX_BYTES: Final = 64_000  # a message file larger than this is cut (the sink writes small ones)


@dataclass(frozen=True)
class InboxMessage:
    """One delivered message as the inbox shows it."""

    channel: str
    recipient: str
    subject: str
    body: str
    sent_at: dt.datetime | None  # UTC, from the file name
    when: str  # Vietnam local time


def _parse(channel: str, path: Path) -> InboxMessage:
    with path.open("rb") as fh:
        text = fh.read(MAX_BYTES).decode("utf-8", errors="replace")
    head, _, body = text.partition("\n\n")
    headers: dict[str, str] = {}
    for line in head.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    try:
        sent = dt.datetime.strptime(path.name.split("-", 1)[0], FILE_STAMP).replace(tzinfo=dt.UTC)
    except ValueError:
        sent = None
    return InboxMessage(
        channel=channel,
        recipient=headers.get("to", ""),
        subject=headers.get("subject", ""),
        body=body.rstrip("\n"),
        sent_at=sent,
        when=clock.local_time(sent, "%d/%m/%Y %H:%M:%S"),
    )


def read_inbox(
    outbox_dir: Path, *, recipient: str = "", limit: int = MAX_MESSAGES
) -> list[InboxMessage]:
    """The messages under `outbox_dir`, newest first, at most `limit`; only those to
    `recipient` when one is given."""
    files: list[tuple[str, str, Path]] = []
    for channel in CHANNELS:
        folder = outbox_dir / channel
        if folder.is_dir():
            files += [(p.name, channel, p) for p in folder.iterdir() if p.suffix == ".txt"]
    files.sort(key=lambda f: f[0], reverse=True)  # the names start with the UTC time
    wanted = recipient.strip()
    found: list[InboxMessage] = []
    for _, channel, path in files:
        try:
            message = _parse(channel, path)
        except OSError:  # removed meanwhile: skip it
            continue
        if wanted and message.recipient != wanted:
            continue
        found.append(message)
        if len(found) >= limit:
            break
    return found


@router.get("/demo/inbox")
async def inbox(request: Request, to: Annotated[str, Query(max_length=254)] = "") -> Response:
    """The demo inbox: every SMS and e-mail sent, newest first (the app factory includes
    this route in demo mode only)."""
    settings = request.app.state.settings
    outbox_dir = Path(settings.data_dir) / "outbox"
    messages = await anyio.to_thread.run_sync(lambda: read_inbox(outbox_dir, recipient=to))
    return render(request, "base/demo_inbox.html", messages=messages, to=to, limit=MAX_MESSAGES)
