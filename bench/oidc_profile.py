"""Where dinhdanh's token endpoint spends its CPU (bench/oidc.py --profile).

The server runs under a wrapper that installs cProfile, timed by the event loop thread's
own CPU time (`time.thread_time`: what other processes do on the shared core is not
charged to us), switched on by SIGUSR1 and written out by SIGUSR2 to the path named in
`<results>/oidc-profile-target`. The bench switches it on for each measured run only.
cProfile adds its own cost to every Python call, so the absolute figures are inflated
(compare them to the unprofiled CPU per request); the shares are what count.
"""

from __future__ import annotations

import os
import pstats
import signal
import time
from pathlib import Path

# python -c PROFILED TARGET_FILE serve ... : the dinhdanh CLI with the switchable profiler.
PROFILED = """
import cProfile, runpy, signal, sys, time
target, sys.argv = sys.argv[1], ["dinhdanh", *sys.argv[2:]]
state = {}

def start(*_):
    state["prof"] = cProfile.Profile(time.thread_time)
    state["prof"].enable()

def stop(*_):
    prof = state.pop("prof", None)
    if prof is not None:
        prof.disable()
        prof.dump_stats(open(target).read().strip())

signal.signal(signal.SIGUSR1, start)
signal.signal(signal.SIGUSR2, stop)
runpy.run_module("dinhdanh", run_name="__main__")
"""


def target_file(results: Path) -> Path:
    """The file naming where the next profile goes."""
    return results / "oidc-profile-target"


def start(pid: int) -> None:
    """Switch the server's profiler on."""
    os.kill(pid, signal.SIGUSR1)


def stop(pid: int, results: Path, out: Path) -> None:
    """Switch it off and wait for the profile to be written to `out`."""
    out.unlink(missing_ok=True)
    target_file(results).write_text(str(out))
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 30
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


def _package(filename: str) -> str:
    """The top-level package (or module) of a code file; '~' is C code."""
    if filename == "~":
        return "builtins (C)"
    parts = Path(filename).parts
    for anchor in ("site-packages", "src"):
        if anchor in parts:
            rest = parts[parts.index(anchor) + 1 :]
            return rest[0].removesuffix(".py") if rest else filename
    return "stdlib: " + Path(filename).stem if "python3" in filename else Path(filename).stem


def summary(path: Path, requests: int, top: int = 18) -> tuple[float, list, list]:
    """From a profile of `requests` requests: the profiled CPU ms per request, the
    packages by own (self) CPU ms per request, and dinhdanh's functions (and the main
    library entry points) by cumulative CPU ms per request."""
    stats = pstats.Stats(str(path))
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in raw.values())
    by_package: dict[str, float] = {}
    functions: list[tuple[float, str]] = []
    for (filename, line, name), (_cc, _nc, tt, ct, _callers) in raw.items():
        package = _package(filename)
        by_package[package] = by_package.get(package, 0.0) + tt
        # A coroutine's cumulative time can count its callers' again: drop what is over.
        if "/dinhdanh/" in filename and "cli.py" not in filename and ct <= total:
            short = filename.split("/dinhdanh/", 1)[1]
            functions.append((ct, f"{name} (dinhdanh/{short}:{line})"))
    per = 1000 / max(1, requests)
    packages = sorted(by_package.items(), key=lambda kv: -kv[1])[:12]
    functions.sort(reverse=True)
    return (
        total * per,
        [(tt * per, name) for name, tt in packages],
        [(ct * per, name) for ct, name in functions[:top]],
    )
