"""Settings: one pydantic-settings object, built by the app factory or the CLI, never at import."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dinhdanh.platform.credentials import LoginGuard, PasswordHasher
from dinhdanh.platform.crypto import FieldCipher
from dinhdanh.platform.kv import KeyValue


class Settings(BaseSettings):
    """Every knob of the service; environment variables prefixed `DINHDANH_`."""

    model_config = SettingsConfigDict(env_prefix="DINHDANH_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str | None = None
    log_level: str = "INFO"
    # Bearer token the Prometheus scraper sends to /metrics; unset, only this machine may read.
    metrics_token: str | None = None

    # Demo data and demo hints (printed logins, the current TOTP code on the sign-in page).
    # Unset, it is on only for the embedded default: development on SQLite. Production
    # refuses it: the demo accounts' passwords and TOTP secrets are public.
    demo: bool | None = None
    demo_citizens: int = 3000
    demo_seed: int = 2025

    # Sessions and credentials.
    session_ttl_seconds: int = 8 * 3600
    session_idle_seconds: int = 30 * 60
    cookie_secure: bool | None = None
    lockout_threshold: int = 5
    lockout_window_seconds: int = 15 * 60
    lockout_seconds: int = 15 * 60
    ip_failure_threshold: int = 30
    argon2_memory_kib: int = 19 * 1024
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1
    login_rate_limit: str = "20/minute"
    # Requests per signed-in staff member (pages and API alike).
    api_rate_limit: str = "600/minute"
    # Authorization requests (and pushed ones) per client address: each is kept 10 minutes.
    oidc_authorize_rate_limit: str = "120/minute"

    # Citizen accounts. The web keeps a session like the staff console; the app stays signed
    # in for long (it asks for the 6-digit passcode on opening) and, as the national app
    # does, on one device at a time unless this is turned off.
    citizen_session_ttl_seconds: int = 12 * 3600
    citizen_session_idle_seconds: int = 30 * 60
    app_session_ttl_seconds: int = 30 * 24 * 3600
    app_session_idle_seconds: int = 7 * 24 * 3600
    app_single_device: bool = True
    initial_password_hours: int = 72
    one_time_code_seconds: int = 300
    # WebAuthn relying party: the host of public_url unless set.
    webauthn_rp_id: str | None = None
    webauthn_rp_name: str = "dinhdanh"

    # Outbox sinks: "file" writes under data_dir/outbox; "console" prints.
    sms_sink: Literal["file", "console"] = "file"
    email_sink: Literal["file", "console"] = "file"
    outbox_in_process: bool | None = None
    public_url: str = "http://127.0.0.1:8000"

    # Card applications (enrollment): the legal time limit in working days (Mon–Fri less
    # Vietnam's public holidays), counted from the day after the application is opened.
    card_application_working_days: int = Field(default=7, ge=1, le=60)
    # Level 1 in the app: the face matcher ("officer-queue": the commune's officers compare
    # the selfie with the card photo), and the limits on starting a registration, per
    # client address and per personal ID (nobody can flood a person's phone with codes).
    face_matcher: Literal["officer-queue"] = "officer-queue"
    level1_start_limit_ip: str = "20/hour"
    level1_start_limit_id: str = "5/hour"

    # Population import.
    import_max_bytes: int = Field(default=2 * 1024**3)

    # Partners: after a client secret is rotated, the previous one keeps working this long
    # (the partner deploys the new secret without an outage).
    client_secret_grace_hours: int = Field(default=24, ge=0, le=24 * 30)

    @model_validator(mode="after")
    def _resolve_demo(self) -> Settings:
        """Fill in `demo` (afterwards always a bool) and refuse it in production."""
        if self.demo is None:
            self.demo = self.environment == "development" and self.is_sqlite
        if self.demo and self.environment == "production":
            raise ValueError("DINHDANH_DEMO cannot be on in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'dinhdanh.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite database."""
        return self.resolved_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry `Secure` outside local development."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"

    @property
    def drain_outbox_in_process(self) -> bool:
        """The embedded default drains the outbox inside `serve`."""
        if self.outbox_in_process is not None:
            return self.outbox_in_process
        return self.redis_url is None and self.is_sqlite

    @property
    def rp_id(self) -> str:
        """The WebAuthn relying-party id: a registrable domain (the public URL's host)."""
        if self.webauthn_rp_id:
            return self.webauthn_rp_id
        host = urlsplit(self.public_url).hostname or "localhost"
        # An IP address is no relying-party id: browsers then use localhost.
        return "localhost" if host in ("127.0.0.1", "::1") else host

    @property
    def public_origin(self) -> str:
        """The origin browsers see (scheme, host, port of public_url)."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    def password_hasher(self) -> PasswordHasher:
        """The argon2id hasher with these settings' parameters."""
        return PasswordHasher(
            self.argon2_memory_kib, self.argon2_time_cost, self.argon2_parallelism
        )

    def login_guard(self, kv: KeyValue, namespace: str) -> LoginGuard:
        """The lockout guard of one kind of credential, with these settings' thresholds."""
        return LoginGuard(
            kv,
            threshold=self.lockout_threshold,
            window=self.lockout_window_seconds,
            lockout=self.lockout_seconds,
            ip_threshold=self.ip_failure_threshold,
            namespace=namespace,
        )

    def field_cipher(self) -> FieldCipher:
        """The field cipher keyed by the secret key."""
        return FieldCipher(self.resolved_secret_key())

    def resolved_secret_key(self) -> str:
        """The secret key; in development one is generated once and kept under data_dir."""
        if self.secret_key:
            return self.secret_key
        if self.environment == "production":
            raise RuntimeError("DINHDANH_SECRET_KEY must be set in production")
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key
