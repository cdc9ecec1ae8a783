"""Structured JSON logs with personal IDs and secrets masked."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

_PID = re.compile(r"(?<!\d)(\d{3})\d{6}(\d{3})(?!\d)")
_TOKEN_IN_PATH = re.compile(r"(/invite/)[A-Za-z0-9_\-]+")
_SECRET_KEYS = ("password", "passcode", "secret", "token", "code", "otp", "totp", "cookie")
_SECRET_KEY_EXCEPTIONS = ("commune_code", "province_code", "status_code", "unit_code", "code_kind")


def mask_text(text: str) -> str:
    """Mask every 12-digit personal ID (`079******345`) and bearer token in a URL path."""
    return _TOKEN_IN_PATH.sub(r"\1***", _PID.sub(r"\1******\2", text))


def _is_secret_key(key: str) -> bool:
    low = key.lower()
    return low not in _SECRET_KEY_EXCEPTIONS and any(s in low for s in _SECRET_KEYS)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: "***" if _is_secret_key(str(k)) else _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def mask_processor(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: secrets become ***, personal IDs are masked."""
    return _mask(event)


def configure_logging(level: str = "INFO") -> None:
    """JSON logs to stderr; stdlib loggers (uvicorn, sqlalchemy) go through the same masking."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        mask_processor,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.__stderr__),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared, processor=structlog.processors.JSONRenderer()
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def get_logger(name: str) -> Any:
    """A structlog logger."""
    return structlog.get_logger(name)
