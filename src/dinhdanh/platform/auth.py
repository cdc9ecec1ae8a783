"""Who is calling: the platform `Principal` and its unit scope, resolved from the session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

ScopeLevel = Literal["all", "province", "commune", "none"]


@dataclass(frozen=True)
class Scope:
    """The part of the registry a caller may see: everything, a province, or a commune."""

    level: ScopeLevel
    province_code: str | None = None
    commune_code: str | None = None

    @classmethod
    def everything(cls) -> Scope:
        """The Ministry level (and system jobs)."""
        return cls("all")

    @classmethod
    def nothing(cls) -> Scope:
        """No registry access at all."""
        return cls("none")

    def covers(self, commune_code: str | None, province_code: str | None) -> bool:
        """True when a place (commune and its province) lies inside this scope."""
        if self.level == "all":
            return True
        if self.level == "province":
            return province_code is not None and province_code == self.province_code
        if self.level == "commune":
            return commune_code is not None and commune_code == self.commune_code
        return False


@dataclass(frozen=True)
class Principal:
    """The caller of an operation: a staff member, a citizen, or the system itself."""

    # service: a partner's client acting through the OpenID provider (it asked for data).
    kind: Literal["staff", "citizen", "system", "anonymous", "service"]
    id: str | None = None
    name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    unit_code: str | None = None
    scope: Scope = field(default_factory=Scope.nothing)
    client_ip: str | None = None
    session_id: str | None = None
    citizen_id: uuid.UUID | None = None  # a citizen: their registry id

    def has_role(self, *roles: str) -> bool:
        """True when the principal holds any of the roles."""
        return bool(self.roles.intersection(roles))

    @classmethod
    def system(cls, name: str = "system") -> Principal:
        """The principal of CLI commands and jobs."""
        return cls(kind="system", id=name, name=name, scope=Scope.everything())

    @classmethod
    def anonymous(cls, client_ip: str | None = None) -> Principal:
        """A caller who has not signed in."""
        return cls(kind="anonymous", client_ip=client_ip)
