"""Benchmark: `dinhdanh population import` of 1,000,000 rows into PostgreSQL beside
PostgreSQL's own COPY of the same rows into a bare table, in the same run; peak memory of
the import at 100,000 and at 1,000,000 rows. Goal (issue 3): import/COPY ≥ 0.3 and memory
flat as the rows grow.

    .venv/bin/python bench/population_import.py [--rows 1000000]

Set-up (not measured): the registry of `bench/registry_lookup.py` (database
`dinhdanh_bench`, made by `dinhdanh demo` if absent) is exported with
`dinhdanh population export`; the first 100,000 rows make the small file.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import sys
import time
from pathlib import Path

import asyncpg
from _support import RESULTS, cli_env, cores, pg_url, recreate_database, run_cli
from registry_lookup import DB, ensure_registry

TARGET = "dinhdanh_import_bench"


def whole_households(src: Path, dst: Path, rows: int) -> int:
    """Copy the header and about `rows` rows made of whole households, in file order.

    The export is sorted by personal ID, so its first rows name parents and spouses that
    come later in the file: the smaller file takes whole households instead (the demo's
    relatives share a household), so that it imports without a dangling link.
    """
    with src.open(encoding="utf-8", newline="") as fin:
        reader = csv.DictReader(fin)
        sizes = collections.Counter(r["household_number"] for r in reader)
    chosen: set[str] = set()
    total = 0
    for number, size in sizes.items():  # in order of first appearance
        if total >= rows:
            break
        chosen.add(number)
        total += size
    with src.open(encoding="utf-8", newline="") as fin, dst.open("w", encoding="utf-8") as fout:
        header = fin.readline()
        fout.write(header)
        household = next(csv.reader([header])).index("household_number")
        for line in fin:  # an exported row is one line: no field holds a line break
            if next(csv.reader([line]))[household] in chosen:
                fout.write(line)
    return total


async def copy_baseline(csv_path: Path) -> tuple[float, int]:
    """PostgreSQL's COPY of the same CSV into a bare table of text columns."""
    await recreate_database(TARGET)
    conn = await asyncpg.connect(pg_url(TARGET))
    try:
        with csv_path.open(encoding="utf-8") as fh:
            columns = fh.readline().strip().split(",")
        cols = ", ".join(f'"{c}" text' for c in columns)
        await conn.execute(f"CREATE TABLE bare ({cols})")
        started = time.perf_counter()
        with csv_path.open("rb") as fh:
            await conn.copy_to_table("bare", source=fh, format="csv", header=True)
        seconds = time.perf_counter() - started
        count = await conn.fetchval("SELECT count(*) FROM bare")
    finally:
        await conn.close()
    return seconds, count


async def import_run(csv_path: Path) -> tuple[float, float]:
    """`dinhdanh population import` into a freshly migrated database: seconds, peak MiB."""
    await recreate_database(TARGET)
    env = cli_env(TARGET)
    if run_cli(["migrate"], env).returncode:
        sys.exit("migrate failed")
    run = run_cli(["population", "import", str(csv_path)], env)
    if run.returncode:
        sys.exit(f"import failed:\n{run.output}")
    return run.seconds, run.max_rss_mib


async def main() -> None:
    """Set up the files, measure the imports and the COPY, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    await ensure_registry(args.rows)
    full = RESULTS / f"population-{args.rows}.csv"
    if not full.exists():
        run = run_cli(["population", "export", str(full)], cli_env(DB))
        if run.returncode:
            sys.exit(f"export failed:\n{run.output}")
    big = RESULTS / f"population-{args.rows}-households.csv"
    rows = whole_households(full, big, args.rows)
    small = RESULTS / f"population-{args.rows // 10}-households.csv"
    small_rows = whole_households(full, small, max(1, rows // 10))

    small_s, small_mib = await import_run(small)
    big_s, big_mib = await import_run(big)
    copy_s, copied = await copy_baseline(big)
    import_rate, copy_rate = rows / big_s, copied / copy_s
    print(f"\npopulation import — {rows:,} rows, {cores()} cores, PostgreSQL")
    print(f"{'path':<34}{'rows/s':>10}{'seconds':>10}{'peak MiB':>10}")
    print(f"{'dinhdanh population import':<34}{import_rate:>10.0f}{big_s:>10.1f}{big_mib:>10.0f}")
    print(f"{'PostgreSQL COPY (bare table)':<34}{copy_rate:>10.0f}{copy_s:>10.1f}{'':>10}")
    print(
        f"{'import of ' + format(small_rows, ',') + ' rows':<34}"
        f"{small_rows / small_s:>10.0f}{small_s:>10.1f}{small_mib:>10.0f}"
    )
    ratio = import_rate / copy_rate
    print(f"ratio import/COPY = {ratio:.2f}  (goal ≥ 0.3: {'meets' if ratio >= 0.3 else 'BELOW'})")
    growth = big_mib / small_mib
    print(
        f"peak memory {small_mib:.0f} MiB at {small_rows:,} rows → {big_mib:.0f} MiB at "
        f"{rows:,} rows (×{growth:.2f}; flat means ≈ ×1)"
    )


if __name__ == "__main__":
    asyncio.run(main())
