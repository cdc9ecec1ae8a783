"""Benchmark: the OpenID token endpoint in requests per second with the server on ONE core,
for dinhdanh and for panva's oidc-provider (npm) configured alike, in the same run: grant
client_credentials, and grant refresh_token with rotation. Goal (issue 6): ratio
dinhdanh/oidc-provider ≥ 1.0.

    .venv/bin/python bench/oidc.py [--seconds 10] [--concurrency 8] [--no-memory] \
        [--servers dinhdanh,redis,memory] [--profile]

dinhdanh: `taskset -c 0 python -m dinhdanh serve --workers 1` (uvicorn, one process) on
PostgreSQL (database `bench_oidc`) and Redis (`BENCH_OIDC_REDIS`, db 6 by default).
oidc-provider: `taskset -c 0 node bench/oidc_peer/server.mjs` (one process) with the same
grants and two clients as dinhdanh's (an API client for client_credentials, a relying
party for authorization_code + refresh_token; client_secret_basic), refresh tokens rotated,
opaque access tokens, ES256 ID tokens, a Redis adapter on the same Redis (and, unless
--no-memory, once more with an in-memory adapter); installed by this script with `npm ci`
when bench/oidc_peer/node_modules is missing.

The load is `wrk` (Debian package `wrk`), one thread on core 1 (this script pins itself
there): a POST with the Basic authorization header; for refresh_token a Lua script hands
each request a refresh token of its own from a file of pre-minted ones, each the first of
a family of its own (a refresh token is single-use: its rotation spends it), minted by
each server's own code (dinhdanh: `oidc.refresh.issue` into its table, see oidc_setup.py;
oidc-provider: its Grant and RefreshToken models, through a helper route of the peer).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import asyncpg
import httpx
import oidc_profile
from _support import (
    RESULTS,
    cli_env,
    cores,
    database_exists,
    pg_url,
    recreate_database,
    run_cli,
)
from oidc_setup import ensure_clients, mint_refresh_tokens

DB = "bench_oidc"
REDIS_URL = os.environ.get("BENCH_OIDC_REDIS", "redis://127.0.0.1:6379/6")
# Two clients with one secret, as dinhdanh wants them (client_credentials stands alone):
# an API client, and a relying party with authorization_code + refresh_token.
CLIENTS = {"client_credentials": "bench-api", "refresh_token": "bench-rp"}
CLIENT_SECRET = "bench-secret-0123456789-abcdefghijklmn"  # bench only
SERVER_CORE, CLIENT_CORE = 0, 1
PEER_DIR = Path(__file__).resolve().parent / "oidc_peer"
GRANTS = ("client_credentials", "refresh_token")


def dinhdanh_env(port: int) -> dict[str, str]:
    """The server's environment: the bench database, Redis db 6, its own URL as issuer."""
    values = cli_env(DB)
    values["DINHDANH_REDIS_URL"] = REDIS_URL
    values["DINHDANH_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    return values


# ---------------------------------------------------------------- tools and set-up


def check_tools() -> None:
    """wrk, node, npm and taskset on PATH, or say how to get them."""
    missing = {
        "wrk": "apt-get install -y wrk",
        "node": "Node.js ≥ 20.19 (oidc-provider 9): apt-get install -y nodejs npm on Debian 13",
        "npm": "apt-get install -y npm",
        "taskset": "apt-get install -y util-linux",
    }
    absent = [f"  {tool}: {how}" for tool, how in missing.items() if not shutil.which(tool)]
    if absent:
        sys.exit("missing tools:\n" + "\n".join(absent))


def ensure_peer() -> str:
    """`npm ci` in bench/oidc_peer when its node_modules is missing or older than the
    lock file; the installed oidc-provider version."""
    installed = PEER_DIR / "node_modules" / "oidc-provider" / "package.json"
    lock = PEER_DIR / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        print("installing the peer (npm ci in bench/oidc_peer)...", flush=True)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PEER_DIR, check=True
        )
        os.utime(installed)
    return json.loads(installed.read_text())["version"]


async def ensure_database(citizens: int) -> None:
    """The bench database at the current schema with `citizens` demo citizens (kept
    between runs)."""
    have = 0
    if await database_exists(DB):
        conn = await asyncpg.connect(pg_url(DB))
        try:
            have = await conn.fetchval("SELECT count(*) FROM citizens")
        except asyncpg.UndefinedTableError:
            pass
        finally:
            await conn.close()
    else:
        await recreate_database(DB)
    if have:
        run = run_cli(["migrate"], cli_env(DB))
    else:
        print(f"generating {citizens:,} demo citizens (set-up, not measured)...", flush=True)
        run = run_cli(["demo", "--citizens", str(citizens), "--seed", "1"], cli_env(DB))
    if run.returncode:
        sys.exit(f"database set-up failed:\n{run.output}")


async def flush_redis() -> None:
    """Empty the bench's Redis db (old tokens, counters)."""
    from redis import asyncio as aioredis

    redis = aioredis.from_url(REDIS_URL)
    await redis.flushdb()
    await redis.aclose()


# ---------------------------------------------------------------- the servers


@dataclass
class Server:
    """A server under test: its process, its token endpoint, how to mint refresh tokens."""

    name: str
    proc: subprocess.Popen[bytes]
    base: str
    token_path: str

    def stop(self) -> None:
        """SIGINT (uvicorn and node shut down on it), then wait."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _start(
    name: str, cmd: list[str], env: dict[str, str], cwd: Path | None, ready: str, log: str
) -> subprocess.Popen[bytes]:
    out = (RESULTS / log).open("w")
    proc = subprocess.Popen(
        ["taskset", "-c", str(SERVER_CORE), *cmd], env=env, cwd=cwd, stdout=out, stderr=out
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{name} exited; see bench/results/{log}")
        try:
            if httpx.get(ready, timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit(f"{name} did not start; see bench/results/{log}")


def start_dinhdanh(port: int, profile: bool = False) -> Server:
    """`dinhdanh serve`, one worker, on SERVER_CORE; with `profile`, under the switchable
    profiler of oidc_profile.py (off until a measured run switches it on)."""
    args = ["serve", "--port", str(port), "--workers", "1"]
    if profile:
        target = str(oidc_profile.target_file(RESULTS))
        cmd = [sys.executable, "-c", oidc_profile.PROFILED, target, *args]
    else:
        cmd = [sys.executable, "-m", "dinhdanh", *args]
    ready = f"http://127.0.0.1:{port}/readyz"
    proc = _start("dinhdanh", cmd, dinhdanh_env(port), None, ready, "oidc-dinhdanh.log")
    return Server("dinhdanh", proc, f"http://127.0.0.1:{port}", "/oidc/token")


def start_peer(port: int, store: str) -> Server:
    """oidc-provider on SERVER_CORE with the Redis adapter (store = a Redis URL) or the
    in-memory one (store = "memory")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DINHDANH_")}
    env.update(
        PORT=str(port),
        PEER_STORE=store,
        CLIENT_ID=CLIENTS["refresh_token"],
        API_CLIENT_ID=CLIENTS["client_credentials"],
        CLIENT_SECRET=CLIENT_SECRET,
        NODE_ENV="production",
    )
    ready = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    label = "memory" if store == "memory" else "redis"
    log = f"oidc-peer-{label}.log"
    proc = _start("oidc-provider", ["node", "server.mjs"], env, PEER_DIR, ready, log)
    return Server(f"oidc-provider ({label})", proc, f"http://127.0.0.1:{port}", "/token")


async def mint(server: Server, count: int) -> list[str]:
    """`count` refresh tokens, each of a family of its own, minted by the server's own code."""
    if server.name == "dinhdanh":
        settings_env = dinhdanh_env(int(server.base.rsplit(":", 1)[1]))
        return await mint_refresh_tokens(settings_env, CLIENTS["refresh_token"], count)
    async with httpx.AsyncClient(timeout=600) as client:
        answer = await client.post(f"{server.base}/bench/mint", params={"count": count})
        answer.raise_for_status()
        return answer.text.split()


# ---------------------------------------------------------------- the load


def basic_auth(grant: str) -> str:
    """RFC 6749 §2.3.1: form-urlencoded id and secret, joined by a colon, in base64."""
    pair = f"{quote(CLIENTS[grant], safe='')}:{quote(CLIENT_SECRET, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def check_answer(server: Server, grant: str, refresh_token: str | None) -> list[str]:
    """One request outside the measure: the answer is a 200 with the expected members and
    an ES256 ID token for refresh_token; the names of the members."""
    form = {"grant_type": grant}
    if refresh_token:
        form["refresh_token"] = refresh_token
    answer = httpx.post(
        server.base + server.token_path, data=form, headers={"Authorization": basic_auth(grant)}
    )
    json_answer = answer.headers.get("content-type", "").startswith("application/json")
    body = answer.json() if json_answer else {}
    wanted = {"access_token", "token_type", "expires_in"}
    if grant == "refresh_token":
        wanted |= {"refresh_token", "id_token"}
    if answer.status_code != 200 or not wanted <= body.keys():
        sys.exit(f"{server.name} {grant}: {answer.status_code} {answer.text[:400]}")
    if "." in body["access_token"]:
        sys.exit(f"{server.name}: the access token is not opaque")
    if grant == "refresh_token":
        header = json.loads(base64.urlsafe_b64decode(body["id_token"].split(".")[0] + "=="))
        if header.get("alg") != "ES256":
            sys.exit(f"{server.name}: ID token signed with {header.get('alg')}")
    return sorted(body)


def lua_script(server: Server, grant: str, tokens: Path | None) -> Path:
    """wrk's script: the POST with its headers; for refresh_token each request takes the
    next line of `tokens` (one thread). grant "healthz": GET /healthz."""
    script = RESULTS / f"oidc-{grant}.lua"
    if grant == "healthz":
        script.write_text('wrk.path = "/healthz"\n')
        return script
    headers = (
        f'wrk.headers["Authorization"] = "{basic_auth(grant)}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        'wrk.method = "POST"\n'
    )
    if tokens is None:
        body = f'wrk.body = "grant_type={grant}"\n'
    else:
        body = (
            "local tokens, n = {}, 0\n"
            f'for line in io.lines("{tokens}") do tokens[#tokens + 1] = line end\n'
            "request = function()\n"
            "  n = n + 1\n"
            '  local token = tokens[n] or "exhausted"\n'
            f'  return wrk.format(nil, "{server.token_path}", nil,'
            ' "grant_type=refresh_token&refresh_token=" .. token)\n'
            "end\n"
        )
    script.write_text(headers + body)
    return script


@dataclass
class Measure:
    """One wrk run against one server."""

    rate: float
    requests: int
    p50: float
    p99: float
    server_cpu: float  # CPU seconds of the server process during the run
    server_core: float  # of them per second of the run
    core0_busy: float  # share of SERVER_CORE busy (everything on it)
    wrk_core: float  # the load generator's CPU per second of the run

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per request."""
        return self.server_cpu / max(1, self.requests) * 1000


@dataclass
class Result:
    """One server's runs (by grant, and "healthz" for dinhdanh) and the members of its
    refresh answer."""

    runs: dict[str, Measure]
    members: list[str]


def run_wrk(
    server: Server,
    grant: str,
    seconds: float,
    conc: int,
    tokens: Path | None,
    profile: bool = False,
) -> Measure:
    """wrk -t1 on CLIENT_CORE (inherited from this process) for `seconds`; with `profile`,
    the server's profiler is on for the run (bench/results/oidc-dinhdanh-GRANT.prof)."""
    script = lua_script(server, grant, tokens)
    if profile:
        oidc_profile.start(server.proc.pid)
    cmd = ["wrk", "-t1", f"-c{conc}", f"-d{seconds}s", "--latency", "-s", str(script)]
    cpu0, busy0 = cpu_seconds(server.proc.pid), core_busy_seconds(SERVER_CORE)
    started = time.perf_counter()
    url = server.base + server.token_path
    with subprocess.Popen([*cmd, url], stdout=subprocess.PIPE, text=True) as proc:
        out = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)  # wrk's own CPU time, from its rusage
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    cpu = cpu_seconds(server.proc.pid) - cpu0
    if profile:
        oidc_profile.stop(server.proc.pid, RESULTS, RESULTS / f"oidc-dinhdanh-{grant}.prof")
    busy = core_busy_seconds(SERVER_CORE) - busy0
    if proc.returncode:
        sys.exit(f"wrk failed:\n{out}")
    if "Non-2xx" in out or "Socket errors" in out:
        sys.exit(f"{server.name} {grant}: errors under load (tokens exhausted?):\n{out}")

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    wrk_cpu = usage.ru_utime + usage.ru_stime
    p50, p99 = ms("50%"), ms("99%")
    return Measure(rate, requests, p50, p99, cpu, cpu / wall, busy / wall, wrk_cpu / wall)


def core_busy_seconds(core: int) -> float:
    """Seconds core `core` spent not idle (all processes), from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            ticks = [int(x) for x in line.split()[1:]]
            idle = ticks[3] + ticks[4]  # idle, iowait
            return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    raise LookupError(core)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure_server(server: Server, seconds: float, conc: int, profile: bool) -> Result:
    """Both grants against one running server, each after a warm-up; the refresh tokens
    are minted for the run from the rate the warm-up showed."""
    runs: dict[str, Measure] = {}
    check_answer(server, "client_credentials", None)
    run_wrk(server, "client_credentials", 2, conc, None)  # warm-up
    runs["client_credentials"] = run_wrk(server, "client_credentials", seconds, conc, None, profile)
    # Refresh: a pilot of 2 s on 6,000 tokens (warm-up, and the rate to size the run).
    first = await mint(server, 6001)
    members = check_answer(server, "refresh_token", first.pop())
    pilot = pilot_rate(server, conc, first)
    needed = int(max(pilot, 1000) * seconds * 2.5) + 10 * conc
    tokens = await mint(server, needed)
    token_file = RESULTS / "oidc-refresh-tokens.txt"
    token_file.write_text("\n".join(tokens) + "\n")
    run = run_wrk(server, "refresh_token", seconds, conc, token_file, profile)
    if run.requests + conc >= needed:
        sys.exit(f"{server.name}: the refresh run used up its {needed:,} tokens")
    runs["refresh_token"] = run
    if server.name == "dinhdanh":  # the framework's floor: GET /healthz on the same server
        runs["healthz"] = run_wrk(server, "healthz", max(2, seconds // 2), conc, None)
    return Result(runs, members)


def pilot_rate(server: Server, conc: int, tokens: list[str], seconds: int = 2) -> float:
    """Refresh requests per second over `seconds`; when the tokens ran out first (the
    requests after that fail, as they should, and are not counted) a generous bound."""
    path = RESULTS / "oidc-refresh-pilot.txt"
    path.write_text("\n".join(tokens) + "\n")
    script = lua_script(server, "refresh_token", path)
    url = server.base + server.token_path
    out = subprocess.run(
        ["wrk", "-t1", f"-c{conc}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:  # ran out before the end: at least good / seconds; take `seconds` times that
        return float(requests - int(errors.group(1)))
    return requests / seconds


# ---------------------------------------------------------------- main


async def run_all(args: argparse.Namespace) -> dict[str, Result]:
    """Each server in turn on SERVER_CORE, both grants; Redis flushed between them."""
    port = 18000 + os.getpid() % 50
    results: dict[str, Result] = {}
    plan = [("dinhdanh", None), ("redis", REDIS_URL), ("memory", "memory")]
    for key, store in plan:
        if key not in args.servers:
            continue
        await flush_redis()
        if key == "dinhdanh":
            await ensure_clients(dinhdanh_env(port), CLIENTS, CLIENT_SECRET)
            server = start_dinhdanh(port, args.profile)
        else:
            server = start_peer(port + 50, store or "memory")
        try:
            print(f"measuring {server.name}...", flush=True)
            profile = args.profile and key == "dinhdanh"
            results[server.name] = await measure_server(
                server, args.seconds, args.concurrency, profile
            )
        finally:
            server.stop()
    await flush_redis()
    return results


def report(args: argparse.Namespace, results: dict[str, Result], peer: str) -> None:
    """The figures, the ratios and the conditions, in one block."""
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    print(
        f"\nOpenID token endpoint — server on 1 core (taskset -c {SERVER_CORE}, one process), "
        f"load wrk -t1 -c{args.concurrency} from core {CLIENT_CORE}, {args.seconds} s a run, "
        f"{args.cores} cores"
    )
    print(
        f"dinhdanh: uvicorn 1 worker, PostgreSQL ({DB}) + Redis ({REDIS_URL}); "
        f"oidc-provider {peer} on Node {node}, Redis adapter (ioredis) on the same Redis, "
        "and an in-memory one"
    )
    print(
        "client_credentials: opaque access token; refresh_token: rotation, each request a "
        "refresh token of its own family; answers checked once: "
        + "; ".join(f"{name}: {', '.join(r.members)}" for name, r in results.items())
    )
    head = f"{'grant':<22}{'server':<23}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
    print(head + f"{'server core':>12}{'core 0 busy':>12}{'CPU ms/req':>11}{'wrk core':>9}")
    rows = [(grant, grant, name) for grant in GRANTS for name in results]
    if "dinhdanh" in results:
        rows.append(("GET /healthz (floor)", "healthz", "dinhdanh"))
    for label, key, name in rows:
        m = results[name].runs[key]
        print(
            f"{label:<22}{name:<23}{m.rate:>9.0f}{m.p50:>8.1f}{m.p99:>8.1f}"
            f"{m.server_core:>12.2f}{m.core0_busy:>12.2f}{m.cpu_ms:>11.3f}{m.wrk_core:>9.2f}"
        )
    starved = sorted({n for _, k, n in rows if results[n].runs[k].server_core < 0.9})
    if starved:
        print(
            f"note: {', '.join(starved)} had less than 0.9 of core {SERVER_CORE} in some run: "
            "the core was shared (PostgreSQL, Redis, other work on the machine) or the server "
            "waited; its rates are low, its CPU per request (and the CPU-time ratio) still hold"
        )
    ours = results.get("dinhdanh")
    for peer_name in ("oidc-provider (redis)", "oidc-provider (memory)"):
        theirs = results.get(peer_name)
        if not ours or not theirs:
            continue
        parts = []
        for grant in GRANTS:
            a, b = ours.runs[grant], theirs.runs[grant]
            ratio = a.rate / b.rate
            cpu_ratio = b.cpu_ms / a.cpu_ms
            verdict = "meets" if ratio >= 1.0 else "BELOW"
            parts.append(f"{grant} {ratio:.2f} ({verdict}; in CPU time {cpu_ratio:.2f})")
        print(f"ratio dinhdanh / {peer_name}: " + ", ".join(parts) + "  (goal ≥ 1.0)")
    if args.profile:
        print("--profile: dinhdanh ran under the profiler; its rates and ratios above are not")
        print("the comparison (run without --profile for that)")


async def main() -> None:
    """Set up, measure every server, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--citizens", type=int, default=200, help="demo population (set-up)")
    parser.add_argument(
        "--profile", action="store_true", help="profile dinhdanh's runs (cProfile, CPU time)"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the in-memory peer")
    parser.add_argument(
        "--servers",
        default="dinhdanh,redis,memory",
        help="which to run: dinhdanh, redis (oidc-provider), memory (oidc-provider)",
    )
    args = parser.parse_args()
    args.servers = set(args.servers.split(","))
    if args.no_memory:
        args.servers.discard("memory")
    if not {SERVER_CORE, CLIENT_CORE} <= os.sched_getaffinity(0):
        sys.exit("needs cores 0 and 1")
    check_tools()
    machine = cores()
    os.sched_setaffinity(0, {CLIENT_CORE})  # this script and wrk stay off the server's core
    RESULTS.mkdir(parents=True, exist_ok=True)
    peer = ensure_peer()
    if "dinhdanh" in args.servers:
        await ensure_database(args.citizens)
    results = await run_all(args)
    args.cores = machine
    report(args, results, peer)
    if args.profile and "dinhdanh" in args.servers:
        for grant in GRANTS:
            path = RESULTS / f"oidc-dinhdanh-{grant}.prof"
            measured = results["dinhdanh"].runs[grant]
            total, packages, functions = oidc_profile.summary(path, measured.requests)
            print(
                f"\ndinhdanh {grant}, profiled (cProfile, event-loop thread CPU; "
                f"{path.relative_to(RESULTS.parent.parent)}): {total:.2f} ms per request"
            )
            print(
                "  own CPU by package, ms/request: "
                + ", ".join(f"{n} {t:.3f}" for t, n in packages)
            )
            print("  dinhdanh's functions, cumulative ms/request:")
            for ms, frame in functions:
                print(f"  {ms:>8.3f}  {frame}")


if __name__ == "__main__":
    asyncio.run(main())
