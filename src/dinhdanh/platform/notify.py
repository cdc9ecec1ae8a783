"""SMS and e-mail sinks behind one Protocol: files (embedded default) or the console."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final, Protocol

import anyio

from dinhdanh.platform import clock


class Notifier(Protocol):
    """Delivers one message on a channel."""

    async def send(
        self, *, channel: str, recipient: str, subject: str, body: str, message_id: str
    ) -> None: ...


# A delivered message's file name starts with its UTC time in this format (the demo inbox
# reads it back).
FILE_STAMP: Final = "%Y%m%dT%H%M%S%f"


class FileSink:
    """Writes each message to `<dir>/<channel>/<time>-<id>.txt` (the demo inbox reads them)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(
        self, *, channel: str, recipient: str, subject: str, body: str, message_id: str
    ) -> None:
        """Write the message as a small RFC 822-like text file."""
        folder = self.directory / channel
        stamp = clock.now().astimezone(dt.UTC).strftime(FILE_STAMP)
        text = f"To: {recipient}\nSubject: {subject}\nMessage-Id: {message_id}\n\n{body}\n"

        def _write() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{stamp}-{message_id}.txt").write_text(text, encoding="utf-8")

        await anyio.to_thread.run_sync(_write)


class ConsoleSink:
    """Prints messages to standard output (development only)."""

    async def send(
        self, *, channel: str, recipient: str, subject: str, body: str, message_id: str
    ) -> None:
        """Print the message."""
        print(f"[{channel}] to {recipient}: {subject}\n{body}\n", flush=True)


class ChannelRouter:
    """Sends each channel to its own sink."""

    def __init__(self, sinks: dict[str, Notifier]) -> None:
        self.sinks = sinks

    async def send(
        self, *, channel: str, recipient: str, subject: str, body: str, message_id: str
    ) -> None:
        """Deliver through the sink configured for the channel."""
        await self.sinks[channel].send(
            channel=channel, recipient=recipient, subject=subject, body=body, message_id=message_id
        )


def make_notifier(sms_sink: str, email_sink: str, outbox_dir: Path) -> Notifier:
    """The notifier the settings ask for."""
    files = FileSink(outbox_dir)
    console = ConsoleSink()
    pick = {"file": files, "console": console}
    return ChannelRouter({"sms": pick[sms_sink], "email": pick[email_sink]})
