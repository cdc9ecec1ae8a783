"""Server-side sessions in the key-value store; the cookie holds only a random id."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import orjson

from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.crypto import token_digest
from dinhdanh.platform.kv import KeyValue


@dataclass
class SessionData:
    """What a session remembers: who (subject), when, from where, and small extras."""

    id: str
    subject: str
    created: float
    last_seen: float
    ip: str | None = None
    agent: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def handle(self) -> str:
        """An opaque name for the session that pages can show (never its id)."""
        return token_digest(self.id)[:20]


class SessionStore:
    """Creates, reads, refreshes and revokes sessions; indexes them per subject for revocation."""

    def __init__(self, kv: KeyValue, *, ttl: int, idle: int, namespace: str) -> None:
        self.kv = kv
        self.ttl = ttl
        self.idle = idle
        self.ns = namespace

    def _key(self, sid: str) -> str:
        return f"sess:{self.ns}:{sid}"

    def _index(self, subject: str) -> str:
        return f"sessidx:{self.ns}:{subject}"

    async def create(
        self, subject: str, *, ip: str | None, agent: str = "", extra: dict[str, Any] | None = None
    ) -> SessionData:
        """Start a session with a fresh id (the id rotates at every sign-in)."""
        now = clock.now().timestamp()
        data = SessionData(
            secrets.token_urlsafe(32), subject, now, now, ip, agent[:200], extra or {}
        )
        # The session and its place in the subject's index, in one round trip.
        await self.kv.set_indexed(
            self._key(data.id),
            self._payload(data),
            self._expiry(data),
            index=self._index(subject),
            member=data.id,
            index_ttl=self.ttl,
        )
        return data

    @staticmethod
    def _payload(data: SessionData) -> bytes:
        return orjson.dumps(
            [data.subject, data.created, data.last_seen, data.ip, data.agent, data.extra]
        )

    def _expiry(self, data: SessionData) -> int:
        left = int(data.created + self.ttl - clock.now().timestamp())
        return max(1, min(self.idle, left))

    async def _save(self, data: SessionData) -> None:
        await self.kv.set(self._key(data.id), self._payload(data), ttl=self._expiry(data))

    async def get(self, sid: str | None, *, touch: bool = True) -> SessionData | None:
        """The live session with this id, refreshed; None when unknown, idle or expired."""
        if not sid or len(sid) > 64:
            return None
        raw = await self.kv.get(self._key(sid))
        if raw is None:
            return None
        subject, created, last_seen, ip, agent, extra = orjson.loads(raw)
        data = SessionData(sid, subject, created, last_seen, ip, agent, extra)
        now = clock.now().timestamp()
        if now - created > self.ttl or now - last_seen > self.idle:
            await self.destroy(data)
            return None
        if touch and now - last_seen > 30:
            data.last_seen = now
            await self._save(data)
        return data

    async def update(self, data: SessionData) -> None:
        """Persist changed extras."""
        await self._save(data)

    async def destroy(self, data: SessionData) -> None:
        """End one session."""
        await self.kv.delete(self._key(data.id))
        await self.kv.set_remove(self._index(data.subject), data.id)

    async def list_for(self, subject: str) -> list[SessionData]:
        """The live sessions of a subject."""
        sessions = []
        for sid in await self.kv.set_members(self._index(subject)):
            data = await self.get(sid, touch=False)
            if data is None:
                await self.kv.set_remove(self._index(subject), sid)
            else:
                sessions.append(data)
        return sorted(sessions, key=lambda s: s.last_seen, reverse=True)

    async def destroy_all(self, subject: str) -> int:
        """End every session of a subject (revocation); returns how many ended."""
        sids = await self.kv.set_members(self._index(subject))
        if sids:
            await self.kv.delete(*(self._key(s) for s in sids))
        await self.kv.delete(self._index(subject))
        return len(sids)


def staff_payload(*, roles: list[str], unit: str | None, name: str, scope: Scope) -> dict[str, Any]:
    """What a verified staff session keeps: read back by `staff_principal`."""
    return {
        "verified": True,
        "roles": roles,
        "unit": unit,
        "name": name,
        "scope": [scope.level, scope.province_code, scope.commune_code],
    }


def staff_principal(data: SessionData, *, client_ip: str | None) -> Principal | None:
    """The staff principal of a session made with `staff_payload`; None if not verified."""
    extra = data.extra
    if not extra.get("verified"):
        return None
    level, province, commune = extra["scope"]
    return Principal(
        kind="staff",
        id=data.subject,
        name=extra.get("name", ""),
        roles=frozenset(extra.get("roles", ())),
        unit_code=extra.get("unit"),
        scope=Scope(level, province, commune),
        client_ip=client_ip,
        session_id=data.id,
    )
