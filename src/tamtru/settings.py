"""Settings from `TAMTRU_*` environment variables; the defaults match the demo client that
`dinhdanh serve` seeds in demo mode."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Settings:
    """How the service reaches its identity provider and where it keeps its files."""

    issuer: str = "http://127.0.0.1:8000"
    client_id: str = "tamtru-demo"
    client_secret: str = "tamtru-demo-secret"  # noqa: S105 - the demo client's published secret
    redirect_uri: str = "http://127.0.0.1:8100/auth/callback"
    post_logout_redirect_uri: str = "http://127.0.0.1:8100/"
    scopes: str = "openid profile address phone email identity residence"
    # The account level the procedure needs (asked as `acr_values`, checked in the ID token);
    # 0 asks for none.
    level: int = 2
    data_dir: Path = Path("var/tamtru")
    session_secret: str | None = None
    signin_minutes: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from `TAMTRU_<NAME>` variables, the defaults for those not set."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"TAMTRU_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            if f.name in ("level", "signin_minutes"):
                values[f.name] = int(raw)
            elif f.name == "data_dir":
                values[f.name] = Path(raw)
            else:
                values[f.name] = raw
        return cls(**values)  # type: ignore[arg-type]

    @property
    def discovery_url(self) -> str:
        """The provider's OpenID Connect discovery document."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def issuer_origin(self) -> str:
        """scheme://host[:port] of the provider (the pages' form-action allows it)."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure_cookies(self) -> bool:
        """Cookies are `Secure` when the service is reached over HTTPS."""
        return self.redirect_uri.startswith("https://")

    @property
    def acr(self) -> str | None:
        """The authentication context class asked for, from the level."""
        return f"urn:dinhdanh:loa:{self.level}" if self.level > 0 else None

    def resolved_session_secret(self) -> str:
        """The session-signing secret: the setting, else one generated once into the data
        folder (readable by its owner only)."""
        if self.session_secret:
            return self.session_secret
        path = self.data_dir / "session.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(32))
        return path.read_text().strip()
