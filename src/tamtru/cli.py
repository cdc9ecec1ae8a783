"""`tamtru [--host 127.0.0.1] [--port 8100]`: serve the demo public service."""

from __future__ import annotations

import argparse

import uvicorn

from tamtru.app import create_app
from tamtru.settings import Settings


def main(argv: list[str] | None = None) -> None:
    """Serve the service with the settings from the environment."""
    parser = argparse.ArgumentParser(
        prog="tamtru",
        description="Temporary residence registration, a demo public service that signs "
        "citizens in with dinhdanh (OpenID Connect).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    app = create_app(settings)
    print(
        f"tamtru on http://{args.host}:{args.port}  ·  identity provider {settings.issuer}  ·  "
        f"client {settings.client_id}  ·  data in {settings.data_dir}",
        flush=True,
    )
    # No access log: the callback's query carries the authorization code.
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
