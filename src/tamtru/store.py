"""The service's own records in SQLite (stdlib `sqlite3`, one short connection per call;
callers run these off the event loop): sign-ins and filed declarations.

A sign-in keeps the claims and the ID token server-side, so the session cookie holds only
a random id, never personal data.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS signins (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    claims TEXT NOT NULL,
    id_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    reference TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    filed_at TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS submissions_subject ON submissions (subject, filed_at);
"""
# Reference numbers avoid letters and digits read alike (0/O, 1/I).
_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class SignIn:
    """A citizen signed in through the provider."""

    id: str
    subject: str
    claims: dict[str, Any]
    id_token: str


@dataclass(frozen=True, slots=True)
class Submission:
    """A filed declaration."""

    reference: str
    subject: str
    filed_at: datetime
    status: str
    data: dict[str, Any]


def new_reference(now: datetime) -> str:
    """`TT-YYYYMMDD-XXXXXX`: the day filed and 6 random characters."""
    return f"TT-{now:%Y%m%d}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


class Store:
    """The SQLite file under the data folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add_signin(
        self, *, subject: str, claims: dict[str, Any], id_token: str, ttl: timedelta, now: datetime
    ) -> str:
        """Keep a sign-in until `now + ttl`; returns its id (and drops expired ones)."""
        signin_id = secrets.token_urlsafe(32)
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM signins WHERE expires_at <= ?", (now.isoformat(),))
            conn.execute(
                "INSERT INTO signins (id, subject, claims, id_token, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (signin_id, subject, json.dumps(claims), id_token, (now + ttl).isoformat()),
            )
        return signin_id

    def signin(self, signin_id: str, *, now: datetime) -> SignIn | None:
        """A sign-in that has not expired."""
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT id, subject, claims, id_token FROM signins WHERE id = ? AND expires_at > ?",
                (signin_id, now.isoformat()),
            ).fetchone()
        return SignIn(row[0], row[1], json.loads(row[2]), row[3]) if row else None

    def drop_signin(self, signin_id: str) -> None:
        """Forget a sign-in (sign-out)."""
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM signins WHERE id = ?", (signin_id,))

    def file(self, *, subject: str, data: dict[str, Any], now: datetime) -> Submission:
        """File a declaration under a new reference number."""
        with closing(self._connect()) as conn, conn:
            while True:
                reference = new_reference(now)
                try:
                    conn.execute(
                        "INSERT INTO submissions (reference, subject, filed_at, status, data) "
                        "VALUES (?, ?, ?, 'received', ?)",
                        (reference, subject, now.isoformat(), json.dumps(data, ensure_ascii=False)),
                    )
                except sqlite3.IntegrityError:  # the same reference drawn twice
                    continue
                return Submission(reference, subject, now, "received", data)

    def submission(self, reference: str) -> Submission | None:
        """A filed declaration by its reference number."""
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT reference, subject, filed_at, status, data FROM submissions "
                "WHERE reference = ?",
                (reference,),
            ).fetchone()
        return _submission(row) if row else None

    def submissions_of(self, subject: str) -> list[Submission]:
        """A citizen's declarations, the latest first."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT reference, subject, filed_at, status, data FROM submissions "
                "WHERE subject = ? ORDER BY filed_at DESC",
                (subject,),
            ).fetchall()
        return [_submission(r) for r in rows]


def _submission(row: tuple[Any, ...]) -> Submission:
    filed_at = datetime.fromisoformat(row[2])
    if filed_at.tzinfo is None:
        filed_at = filed_at.replace(tzinfo=UTC)
    return Submission(row[0], row[1], filed_at, row[3], json.loads(row[4]))
