"""The `dinhdanh` command line: serve, migrate, worker, demo, population, staff, accounts,
audit, chip-keys, oidc-keys."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.table import Table
from sqlalchemy import func, select

from dinhdanh.accounts import demo as account_demo
from dinhdanh.accounts import service as account_service
from dinhdanh.cli_keys import chip_keys_app, create_chip_keys, oidc_keys_app
from dinhdanh.cli_support import (
    console,
    print_problem,
    print_table,
    progress,
    run,
    settings_for_cli,
)
from dinhdanh.migrations.runner import upgrade
from dinhdanh.partners import demo as partner_demo
from dinhdanh.platform import audit
from dinhdanh.platform.auth import Principal, Scope
from dinhdanh.platform.credentials import Totp
from dinhdanh.platform.db import Database
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.jobs import run_background_jobs
from dinhdanh.platform.kv import KeyValue, make_kv
from dinhdanh.platform.notify import make_notifier
from dinhdanh.platform.ratelimit import RateLimiter
from dinhdanh.population import demo as population_demo
from dinhdanh.population import io as population_io
from dinhdanh.population import personal_id as pid_rules
from dinhdanh.population.models import Citizen
from dinhdanh.settings import Settings
from dinhdanh.staff import service as staff_service

app = typer.Typer(
    help="dinhdanh: national electronic identification platform.", no_args_is_help=True
)
population_app = typer.Typer(
    help="Import and export the population registry.", no_args_is_help=True
)
staff_app = typer.Typer(help="Manage staff from the command line.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the audit log.", no_args_is_help=True)
accounts_app = typer.Typer(help="Manage citizens' e-ID accounts.", no_args_is_help=True)
app.add_typer(population_app, name="population")
app.add_typer(staff_app, name="staff")
app.add_typer(accounts_app, name="accounts")
app.add_typer(audit_app, name="audit")
app.add_typer(chip_keys_app, name="chip-keys")
app.add_typer(oidc_keys_app, name="oidc-keys")


async def _load_demo(settings: Settings, db: Database, citizens: int, seed: int) -> int:
    with progress() as bar:
        task = bar.add_task("Demo population", total=citizens)
        async with db.unit_of_work() as session:
            result = await population_demo.generate(
                session,
                citizens=citizens,
                seed=seed,
                progress=lambda n: bar.update(task, completed=n),
            )
    return result.citizens


def _account_tools(settings: Settings, kv: KeyValue) -> account_service.AccountTools:
    return account_service.make_tools(
        settings=settings,
        kv=kv,
        hasher=settings.password_hasher(),
        totp=Totp(kv),
        cipher=settings.field_cipher(),
        limiter=RateLimiter(settings.redis_url),
    )


async def _print_demo_citizens(settings: Settings, db: Database) -> None:
    kv = make_kv(settings.redis_url)
    try:
        async with db.unit_of_work() as session:
            holders = await account_demo.ensure_demo_accounts(
                session, tools=_account_tools(settings, kv)
            )
    finally:
        await kv.close()
    print_table(
        "Demo citizens' e-ID accounts (sign in at /me/login)",
        ("personal ID", "name", "password", "passcode", "state"),
        [(h.personal_id, h.full_name, h.password, h.passcode, h.state) for h in holders],
        "The SMS and e-mails the service sends (initial passwords, codes) are at /demo/inbox.",
    )


async def _print_demo_logins(settings: Settings, db: Database) -> None:
    async with db.unit_of_work() as session:
        logins = await staff_service.ensure_demo_staff(
            session, hasher=settings.password_hasher(), cipher=settings.field_cipher()
        )
    print_table(
        "Demo logins (demo mode only)",
        ("role", "unit", "username", "password", "TOTP secret"),
        [(x.role, x.unit, x.username, x.password, x.totp_secret) for x in logins],
        "The sign-in page shows the current TOTP code in demo mode; or add the secret to any "
        "authenticator app.",
    )


async def _print_demo_partners(settings: Settings, db: Database) -> None:
    async with db.unit_of_work() as session:
        partners = await partner_demo.ensure_demo_partners(session, cipher=settings.field_cipher())
    table = Table(title="Demo OpenID Connect clients (demo mode only)")
    for column in ("client_id", "client_secret", "redirect URI / grant"):
        table.add_column(column, no_wrap=True)  # copied as a whole, never cut
    for p in partners:
        table.add_row(p.client_id, p.secret, p.redirect_uri or " ".join(p.settings.grant_types))
    console.print(table)
    for p in partners:
        console.print(f"{p.client_id}: {p.partner.name} — {p.settings.name}", highlight=False)
    console.print("Partners and their clients are managed at /admin/partners.")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (and its reference data)."""

    async def work(settings: Settings, db: Database) -> None:
        await upgrade(db.engine)

    run(work)
    console.print("[green]Database is up to date.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL/Redis only).")] = 1,
) -> None:
    """Migrate, load the demo data on an empty database (demo mode), and serve."""

    async def prepare(settings: Settings, db: Database) -> None:
        await upgrade(db.engine)
        if not settings.demo:
            return
        async with db.unit_of_work() as session:
            count = await session.scalar(select(func.count()).select_from(Citizen))
        if not count:
            loaded = await _load_demo(settings, db, settings.demo_citizens, settings.demo_seed)
            console.print(f"Loaded {loaded} demo citizens.")
        await create_chip_keys(settings, db)  # idempotent: a card needs them
        await _print_demo_logins(settings, db)
        await _print_demo_citizens(settings, db)
        await _print_demo_partners(settings, db)

    run(prepare)
    settings = settings_for_cli()
    console.print(f"Serving at http://{host}:{port}  (database: {_describe(settings)})")
    uvicorn.run(
        "dinhdanh.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers if not settings.is_sqlite else 1,
        log_config=None,
        access_log=False,  # the app writes its own access log, without query strings
        proxy_headers=True,
    )


def _describe(settings: Settings) -> str:
    url = settings.resolved_database_url
    return url.split("@")[-1] if "@" in url else url


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Drain what is pending and exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 1.0,
) -> None:
    """Background jobs: deliver queued SMS and e-mail, and seal the audit chain."""

    async def work(settings: Settings, db: Database) -> int:
        notifier = make_notifier(
            settings.sms_sink, settings.email_sink, settings.data_dir / "outbox"
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        total = 0
        while not stop.is_set():
            sent = await run_background_jobs(db, notifier)
            total += sent
            if once and sent == 0:
                break
            if sent == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=interval)
                except TimeoutError:
                    pass
        return total

    delivered = run(work)
    console.print(f"Delivered {delivered} message(s).")


@app.command()
def demo(
    citizens: Annotated[int, typer.Option(help="How many citizens to generate.")] = 3000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same people.")
    ] = 1,
) -> None:
    """Generate demo citizens in households over real communes."""

    async def work(settings: Settings, db: Database) -> int:
        await upgrade(db.engine)
        return await _load_demo(settings, db, citizens, seed)

    loaded = run(work)
    console.print(f"[green]Generated {loaded} citizens (seed {seed}).")


@population_app.command("import")
def population_import(
    file: Annotated[Path, typer.Argument(help="CSV file (see docs/population-csv.md).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only.")] = False,
) -> None:
    """Import citizens from a CSV file: all rows or none."""

    async def work(settings: Settings, db: Database) -> population_io.ImportReport:
        with progress() as bar:
            task = bar.add_task("Import", total=None)
            return await population_io.import_csv(
                db,
                file,
                dry_run=dry_run,
                principal=Principal.system("cli"),
                max_bytes=settings.import_max_bytes,
                progress=lambda n: bar.update(task, completed=n),
            )

    report = run(work)
    for line, column, message in report.errors:
        console.print(f"line {line}: {column}: {message}", markup=False, highlight=False)
    if report.error_count > len(report.errors):
        console.print(f"... and {report.error_count - len(report.errors)} more errors")
    if not report.ok:
        console.print(f"[red]{report.error_count} error(s); nothing was imported.")
        raise typer.Exit(1)
    verb = "Validated" if dry_run else "Imported"
    console.print(f"[green]{verb} {report.rows_ok} rows.")


@population_app.command("export")
def population_export(
    file: Annotated[Path, typer.Argument(help="Where to write the CSV.")],
) -> None:
    """Export the registry as CSV (the import format)."""

    async def work(settings: Settings, db: Database) -> int:
        return await population_io.export_csv(db, file, scope=Scope.everything())

    rows = run(work)
    console.print(f"[green]Exported {rows} rows to {file}.")


@staff_app.command("create")
def staff_create(
    username: Annotated[str, typer.Option(help="Sign-in name, e.g. lan.nt")],
    full_name: Annotated[str, typer.Option(help="Full name as on the card.")],
    email: Annotated[str, typer.Option(help="Where the invitation goes.")],
    role: Annotated[str, typer.Option(help="admin, officer, supervisor or auditor.")],
    unit: Annotated[str, typer.Option(help="Unit code, e.g. CAX-00004, CAT-01, BCA.")],
    password: Annotated[
        bool, typer.Option("--password", help="Set a password now instead of inviting.")
    ] = False,
) -> None:
    """Create a staff member: an invitation e-mail, or a password and TOTP secret at once."""
    chosen = (
        typer.prompt("Password", hide_input=True, confirmation_prompt=True) if password else None
    )

    async def work(settings: Settings, db: Database) -> staff_service.CreatedStaff:
        await upgrade(db.engine)
        async with db.unit_of_work() as session:
            return await staff_service.create_staff_cli(
                session,
                data=staff_service.NewStaff(username, full_name, email, role, unit),
                public_url=settings.public_url,
                hasher=settings.password_hasher(),
                cipher=settings.field_cipher(),
                password=chosen,
            )

    try:
        created = run(work)
    except Problem as problem:
        print_problem(problem)
        raise typer.Exit(1) from problem
    console.print(f"[green]Created {created.username} ({role}, {unit}).")
    if created.invitation_link:
        console.print(f"Invitation e-mailed to {email} (queued in the outbox).")
    if created.totp_secret:
        console.print(f"TOTP secret to enrol in an authenticator app: {created.totp_secret}")


@accounts_app.command("create")
def accounts_create(
    personal_id: Annotated[str, typer.Option(help="The citizen's 12-digit personal ID.")],
    phone: Annotated[str, typer.Option(help="Mobile number the initial password goes to.")],
    email: Annotated[str, typer.Option(help="E-mail address (optional).")] = "",
    level: Annotated[int, typer.Option(help="Account level, 1 or 2.")] = 2,
) -> None:
    """Create a citizen's account; the single-use initial password goes by SMS (never shown)."""

    async def work(settings: Settings, db: Database) -> tuple[str, str]:
        await upgrade(db.engine)
        kv = make_kv(settings.redis_url)
        try:
            tools = _account_tools(settings, kv)
            async with db.unit_of_work() as session:
                account = await account_service.create_account(
                    session=session,
                    tools=tools,
                    actor=Principal.system("cli"),
                    data=account_service.NewAccount(personal_id, phone, email, level),
                )
                return account.personal_id, account.phone
        finally:
            await kv.close()

    try:
        pid, to = run(work)
    except Problem as problem:
        print_problem(problem)
        raise typer.Exit(1) from problem
    console.print(f"[green]Created the e-ID account {pid_rules.mask(pid)}.")
    console.print(
        f"The initial password went by SMS to {account_service.mask_phone(to)} "
        "(queued in the outbox); it works once and must be changed at the first sign-in."
    )


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; name the first broken link (exit status 1)."""

    async def work(settings: Settings, db: Database) -> audit.ChainReport:
        await audit.seal_pending(db)  # chain what committed since the worker's last pass
        async with db.unit_of_work() as session:
            return await audit.verify_chain(session)

    report = run(work)
    if report.ok:
        console.print(f"[green]Audit chain intact: {report.checked} events checked.")
        # A hash chain cannot tell a truncated tail by itself: publish or keep this line
        # elsewhere, and compare it with the next run's.
        console.print(f"head: #{report.checked} {report.head}")
        return
    console.print(
        f"[red]Audit chain broken at event #{report.broken_at}: {report.reason} "
        f"({report.checked} events before it are intact)."
    )
    raise typer.Exit(1)


def main() -> None:
    """Entry point."""
    sys.exit(app())
