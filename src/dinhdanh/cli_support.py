"""What every `dinhdanh` command shares: settings, running one async unit of work, the
console and its tables."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from dinhdanh.platform.db import Database, make_engine
from dinhdanh.platform.errors import Problem
from dinhdanh.platform.logging import configure_logging
from dinhdanh.settings import Settings

console = Console()
T = TypeVar("T")


def settings_for_cli() -> Settings:
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    configure_logging("WARNING")
    return settings


def run(work: Callable[[Settings, Database], Awaitable[T]]) -> T:
    """Run one async command against the configured database, then dispose of it."""
    settings = settings_for_cli()

    async def main() -> T:
        db = Database(make_engine(settings.resolved_database_url))
        try:
            return await work(settings, db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def print_table(
    title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]], note: str
) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(note)


def print_problem(problem: Problem) -> None:
    body = problem.to_dict()
    console.print(f"[red]{body['title']}", body.get("detail") or "", highlight=False)
    for error in body.get("errors", []):
        console.print(f"  {error['field']}: {error['message']}", markup=False)
