"""`dinhdanh chip-keys` and `dinhdanh oidc-keys`: the card chip's CSCA and Document Signer,
and the OpenID provider's ID-token signing keys."""

from __future__ import annotations

from typing import Annotated

import typer

from dinhdanh.cli_support import console, print_problem, print_table, run
from dinhdanh.enrollment import keys as chip_keys
from dinhdanh.migrations.runner import upgrade
from dinhdanh.oidc import keys as oidc_keys
from dinhdanh.platform import clock
from dinhdanh.platform.auth import Principal
from dinhdanh.platform.db import Database
from dinhdanh.platform.errors import Problem
from dinhdanh.settings import Settings

chip_keys_app = typer.Typer(
    help="The card chip's signing keys: country signing CA and Document Signer.",
    no_args_is_help=True,
)
oidc_keys_app = typer.Typer(
    help="The OpenID provider's ID-token signing keys (ES256).", no_args_is_help=True
)


async def create_chip_keys(settings: Settings, db: Database) -> list[chip_keys.ChipKeyInfo]:
    async with db.unit_of_work() as session:
        return await chip_keys.create_keys(
            session=session, cipher=settings.field_cipher(), actor=Principal.system("cli")
        )


def _print_chip_keys(title: str, rows: list[chip_keys.ChipKeyInfo]) -> None:
    print_table(
        title,
        ("kind", "key id", "serial", "subject", "valid until", "state"),
        [
            (
                k.kind,
                k.kid[:16],
                k.serial[:16],
                k.subject,
                f"{k.not_after:%Y-%m-%d}",
                "current" if k.retired_at is None else f"retired {k.retired_at:%Y-%m-%d}",
            )
            for k in rows
        ],
        "Private keys are stored encrypted and never shown.",
    )


@chip_keys_app.command("create")
def chip_keys_create() -> None:
    """Create the country signing CA and a Document Signer; nothing if they exist."""

    async def work(settings: Settings, db: Database) -> list[chip_keys.ChipKeyInfo]:
        await upgrade(db.engine)
        return await create_chip_keys(settings, db)

    created = run(work)
    if not created:
        console.print("The chip signing keys exist already: nothing was created.")
        return
    _print_chip_keys("Chip signing keys created", created)


@chip_keys_app.command("rotate")
def chip_keys_rotate(
    ds: Annotated[bool, typer.Option("--ds", help="Replace the Document Signer.")] = False,
    csca: Annotated[
        bool, typer.Option("--csca", help="Replace the CSCA (and its Document Signer).")
    ] = False,
) -> None:
    """Retire the current key for a new one; cards already signed stay verifiable."""
    if ds == csca:
        console.print("[red]Say which key to rotate: --ds or --csca.")
        raise typer.Exit(2)

    async def work(settings: Settings, db: Database) -> list[chip_keys.ChipKeyInfo]:
        await upgrade(db.engine)
        async with db.unit_of_work() as session:
            cipher, actor = settings.field_cipher(), Principal.system("cli")
            if ds:
                return [await chip_keys.rotate_ds(session=session, cipher=cipher, actor=actor)]
            return list(await chip_keys.rotate_csca(session=session, cipher=cipher, actor=actor))

    try:
        created = run(work)
    except Problem as problem:
        print_problem(problem)
        raise typer.Exit(1) from problem
    _print_chip_keys("New chip signing keys (the previous ones are retired)", created)


@chip_keys_app.command("list")
def chip_keys_list() -> None:
    """List the chip signing keys, current and retired."""

    async def work(settings: Settings, db: Database) -> list[chip_keys.ChipKeyInfo]:
        await upgrade(db.engine)
        async with db.unit_of_work() as session:
            return await chip_keys.list_keys(session=session)

    _print_chip_keys("Chip signing keys", run(work))


@oidc_keys_app.command("rotate")
def oidc_keys_rotate() -> None:
    """Retire the current signing key for a new one. The retired key stays in the JWKS
    until the tokens it signed have expired; running servers switch within a minute."""

    async def work(settings: Settings, db: Database) -> oidc_keys.Rotation:
        await upgrade(db.engine)
        async with db.unit_of_work() as session:
            return await oidc_keys.rotate(
                session=session, cipher=settings.field_cipher(), actor=Principal.system("cli")
            )

    done = run(work)
    console.print(f"[green]New signing key {done.new_kid}.")
    for kid in done.retired_kids:
        console.print(f"Retired {kid}: published until {done.published_until:%Y-%m-%d %H:%M} UTC.")


@oidc_keys_app.command("list")
def oidc_keys_list() -> None:
    """List the signing keys: current, retired but still published, expired."""

    async def work(settings: Settings, db: Database) -> list[oidc_keys.KeyInfo]:
        await upgrade(db.engine)
        async with db.unit_of_work() as session:
            return await oidc_keys.list_keys(session)

    rows = run(work)
    now = clock.now()
    print_table(
        "OpenID provider signing keys",
        ("kid", "alg", "created", "status", "published until"),
        [
            (
                k.kid,
                k.alg,
                f"{k.created_at:%Y-%m-%d %H:%M}",
                k.status(now),
                f"{k.published_until:%Y-%m-%d %H:%M}" if k.published_until else "",
            )
            for k in rows
        ],
        "Times are UTC. Private keys are stored encrypted and never shown.",
    )
