"""A real `dinhdanh serve` in a child process, for the browser and interoperability tests."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    """A running server and the SQLite file behind it (read by tests to pick citizens)."""

    url: str
    data_dir: Path
    log: Path

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the server's database (read-only)."""
        uri = f"file:{self.data_dir / 'dinhdanh.db'}?mode=ro"
        with sqlite3.connect(uri, uri=True) as conn:
            return conn.execute(sql, params).fetchall()


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment without its DINHDANH_ settings (but the Chromium path),
    with the server's data folder and the given `settings`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DINHDANH_") or k == "DINHDANH_CHROMIUM"
    }
    env.update(DINHDANH_DATA_DIR=str(data_dir), **settings)
    return env


@contextmanager
def serving(
    data_dir: Path, env: dict[str, str], *, port: int | None = None, host: str = "127.0.0.1"
) -> Iterator[Server]:
    """Run `python -m dinhdanh serve` with `env` until the block ends, once it is ready;
    its URL names `host` (WebAuthn wants `localhost`), its log is in `data_dir`."""
    port = port or free_port()
    log = data_dir / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dinhdanh", "serve", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        wait_until_ready(proc, f"http://127.0.0.1:{port}/readyz", log, timeout=180)
        yield Server(f"http://{host}:{port}", data_dir, log)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wait_until_ready(
    proc: subprocess.Popen[bytes], url: str, log: Path, *, timeout: float = 60
) -> None:
    """Poll `url` until it answers 200; fail the test with the log's tail if the child
    process exits or `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args} exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{proc.args} did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)  # readiness polling of a child process, not a race cover-up


def with_tests_on_path(env: dict[str, str]) -> dict[str, str]:
    """`env` with the repository on PYTHONPATH (a child script imports tests.factories)."""
    paths = [str(ROOT), env.get("PYTHONPATH") or os.environ.get("PYTHONPATH")]
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, paths))}


def run_script(script: str, env: dict[str, str], *args: str) -> Any:
    """Run a Python `script` in a child process (its own event loop and engine) with the
    repository on its path; the JSON its last output line prints."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=with_tests_on_path(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"the preparation script failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
