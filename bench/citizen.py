"""Benchmark of the citizen's path, against a bare Flask baseline served the same way.

    .venv/bin/python bench/citizen.py [--db sqlite|postgres|both] [--duration 10] [--connections 16]

For each database it builds a fresh one (``db upgrade`` + the example directory), serves the app
and bench/bare_app.py with the same gunicorn settings on loopback ports, then measures:

- GET of the counter form (wrk), and the bare page (wrk), in alternating rounds (medians are
  reported): the app/bare ratio is the figure to compare between machines (target: >= 0.4, and
  the app's p99 < 100 ms at 16 connections);
- the full submit flow, GET form + POST answers, by N virtual citizens for the duration; the
  acknowledged submits (303) must equal the rows found in ``response`` afterwards;
- a burst: 30 citizens who each loaded the form and press "send" at the same instant.

Any 5xx, any unexpected status, or acknowledged submits that differ from stored rows print a
FAIL line and make the exit status non-zero. Results are printed as one table and written as
JSON to bench/results/ (git-ignored). See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
COUNTER = "KH-TTHCC-Q03"
FORM_PATH = f"/q/{COUNTER}"
BARE_PATH = "/bare"
BARE_LABEL = "(bare Flask)"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/feedback_bench"
DIRECTORY = ROOT / "examples" / "directory"
BURST = 30
RATIO_TARGET = 0.4
P99_TARGET_MS = 100.0

HIDDEN_RE = re.compile(r'<input[^>]*\bname="(csrf_token|submission_id)"[^>]*\bvalue="([^"]*)"')
COMMENTS = (
    "Cán bộ hướng dẫn tận tình, dễ hiểu.",
    "Phải chờ hơi lâu, mong bố trí thêm quầy vào buổi sáng.",
    "Thủ tục nhanh gọn. Cảm ơn!",
)


class BenchFailure(RuntimeError):
    """The benchmark could not run (a server did not start, a command failed)."""


# --- servers ---------------------------------------------------------------------------------


def gunicorn_args(workers: int, threads: int) -> list[str]:
    """The one set of gunicorn settings used for the app and for the bare baseline."""
    return ["--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_server(
    name: str, app_spec: str, env: dict[str, str], settings: list[str], log_dir: Path, probe: str
) -> Server:
    port = free_port()
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), *settings]
            + [app_spec],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its workers too
        )
    server = Server(name, port, process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchFailure(f"{name} server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", probe)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.stop()
    raise BenchFailure(f"{name} server did not answer 200 on {probe} within 30 s:\n{server.log_tail()}")


# --- databases -------------------------------------------------------------------------------


def fresh_postgres(url: str) -> str:
    """Drop and recreate the database named in ``url`` (its name must say it is a benchmark's)."""
    parsed = make_url(url)
    name = parsed.database or ""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        raise BenchFailure(f"refusing to drop database {name!r}: its name must contain 'bench'")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url


def prepare_database(env: dict[str, str]) -> None:
    """Run ``db upgrade`` and import the example directory, with the documented CLI."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (
        ["db", "upgrade"],
        [
            "directory",
            "import",
            "--units",
            str(DIRECTORY / "units.csv"),
            "--counters",
            str(DIRECTORY / "counters.csv"),
            "--staff",
            str(DIRECTORY / "staff.csv"),
            "--services",
            str(DIRECTORY / "services.csv"),
        ],
    ):
        done = subprocess.run([*flask, *args], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchFailure(f"flask {' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}")


def count_responses(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM response")).scalar_one())
    finally:
        engine.dispose()


# --- wrk -------------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not match:
        raise ValueError(f"unexpected wrk latency {value!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict[str, float | int]:
    """requests/s, p50 and p99 (ms), request count, non-2xx/3xx and socket errors from ``wrk --latency``."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in", output, re.M)
    if not (rps and p50 and p99 and total):
        raise BenchFailure(f"could not read wrk's output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(rps.group(1)),
        "p50_ms": _ms(p50.group(1)),
        "p99_ms": _ms(p99.group(1)),
        "requests": int(total.group(1)),
        "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(n) for n in sock.groups()) if sock else 0,
    }


def run_wrk(port: int, path: str, connections: int, duration: float) -> dict[str, float | int]:
    threads = max(1, min(2, connections))
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency"]
    done = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchFailure(f"wrk failed:\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def median_run(runs: list[dict[str, float | int]]) -> dict[str, float | int | list]:
    """Each figure's median over the rounds (non-2xx and socket errors summed), and the rounds themselves.

    App and bare rounds alternate, so a burst of load from elsewhere on the machine hits both
    rather than skewing the ratio; the median drops one unlucky round.
    """
    merged: dict[str, float | int | list] = {
        key: statistics.median(run[key] for run in runs) for key in ("rps", "p50_ms", "p99_ms")
    }
    for key in ("requests", "non_2xx_3xx", "socket_errors"):
        merged[key] = sum(int(run[key]) for run in runs)
    merged["rounds"] = runs
    return merged


# --- the citizen's submit flow ---------------------------------------------------------------


class Citizen:
    """One phone: a keep-alive connection and the ``session`` cookie the CSRF token is tied to."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}  # the browser's jar: the device cookie binds the CSRF token

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        headers = {"Accept": "text/html", "Accept-Language": "vi"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                # A keep-alive connection the server had just closed. Retrying a POST is safe: the
                # submission id makes it idempotent, which is what a browser's retry relies on too.
                self.close()
                if attempt:
                    raise
                continue
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            if response.will_close:
                self.close()
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def load_form(self) -> dict[str, str]:
        """GET the form as a new citizen; returns its hidden fields (csrf_token, submission_id)."""
        self.cookies = {}
        status, _headers, body = self.request("GET", FORM_PATH)
        if status != 200:
            raise UnexpectedStatus("GET", status)
        hidden = dict(HIDDEN_RE.findall(body.decode("utf-8", "replace")))
        if set(hidden) != {"csrf_token", "submission_id"}:
            raise UnexpectedStatus("GET", status, "form without csrf_token/submission_id")
        return hidden

    def submit(self, hidden: dict[str, str], rng: random.Random) -> tuple[int, str | None]:
        """POST a plausible set of answers; returns the status and the receipt of a 303."""
        fields = dict(hidden)
        fields["overall"] = str(rng.randint(1, 5))
        for code in ("attitude", "timeliness", "ease", "transparency"):
            if rng.random() < 0.7:
                fields[code] = str(rng.randint(1, 5))
        if rng.random() < 0.3:
            fields["comment"] = rng.choice(COMMENTS)
        status, headers, _body = self.request("POST", FORM_PATH, urllib.parse.urlencode(fields))
        receipt = None
        if status == 303:
            receipt = (headers.get("Location") or "").rstrip("/").rsplit("/", 1)[-1] or None
        return status, receipt

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class UnexpectedStatus(RuntimeError):
    def __init__(self, method: str, status: int, detail: str = "") -> None:
        super().__init__(f"{method} {status} {detail}".strip())
        self.method = method
        self.status = status


@dataclass
class FlowStats:
    latencies_ms: list[float] = field(default_factory=list)
    acked: int = 0
    receipts: set[str] = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)  # "GET 200", "POST 303", …
    errors: list[str] = field(default_factory=list)

    def merge(self, other: FlowStats) -> None:
        self.latencies_ms += other.latencies_ms
        self.acked += other.acked
        self.receipts |= other.receipts
        self.statuses.update(other.statuses)
        self.errors += other.errors

    @property
    def server_errors(self) -> int:
        return sum(n for key, n in self.statuses.items() if key.split()[1].startswith("5"))

    @property
    def unexpected(self) -> int:
        return sum(n for key, n in self.statuses.items() if key not in ("GET 200", "POST 303"))


def _one_flow(citizen: Citizen, rng: random.Random, stats: FlowStats) -> float | None:
    """GET then POST; records statuses and returns the POST's latency in ms when it was acknowledged."""
    try:
        hidden = citizen.load_form()
        stats.statuses["GET 200"] += 1
        started = time.perf_counter()
        status, receipt = citizen.submit(hidden, rng)
        post_ms = (time.perf_counter() - started) * 1000
    except UnexpectedStatus as exc:
        stats.statuses[f"{exc.method} {exc.status}"] += 1
        return None
    except (OSError, http.client.HTTPException) as exc:
        stats.errors.append(f"{type(exc).__name__}: {exc}")
        return None
    stats.statuses[f"POST {status}"] += 1
    if status == 303 and receipt:
        stats.acked += 1
        stats.receipts.add(receipt)
        return post_ms
    return None


def load_submits(port: int, citizens: int, duration: float) -> tuple[FlowStats, float]:
    """``citizens`` threads doing GET form + POST answers back to back for ``duration`` seconds."""
    total = FlowStats()
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def run(seed: int) -> None:
        rng = random.Random(seed)
        citizen = Citizen(port)
        stats = FlowStats()
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                if _one_flow(citizen, rng, stats) is not None:
                    stats.latencies_ms.append((time.perf_counter() - started) * 1000)
        finally:
            citizen.close()
            with lock:
                total.merge(stats)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(citizens)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return total, time.perf_counter() - started


def burst(port: int, size: int) -> tuple[FlowStats, float]:
    """``size`` citizens load the form, wait for each other, then all POST at the same instant."""
    total = FlowStats()
    lock = threading.Lock()
    barrier = threading.Barrier(size + 1)

    def run(seed: int) -> None:
        rng = random.Random(10_000 + seed)
        citizen = Citizen(port)
        stats = FlowStats()
        hidden = None
        try:
            try:
                hidden = citizen.load_form()
                stats.statuses["GET 200"] += 1
            except UnexpectedStatus as exc:
                stats.statuses[f"{exc.method} {exc.status}"] += 1
            except (OSError, http.client.HTTPException) as exc:
                stats.errors.append(f"GET {type(exc).__name__}: {exc}")
            barrier.wait(timeout=120)
            if hidden is None:
                return
            started = time.perf_counter()
            try:
                status, receipt = citizen.submit(hidden, rng)
            except (OSError, http.client.HTTPException) as exc:
                stats.errors.append(f"POST {type(exc).__name__}: {exc}")
                return
            stats.latencies_ms.append((time.perf_counter() - started) * 1000)
            stats.statuses[f"POST {status}"] += 1
            if status == 303 and receipt:
                stats.acked += 1
                stats.receipts.add(receipt)
        finally:
            citizen.close()
            with lock:
                total.merge(stats)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(size)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(timeout=120)  # every citizen has the form in hand
    except threading.BrokenBarrierError as exc:
        raise BenchFailure("the burst's citizens did not all get the form within 120 s") from exc
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return total, time.perf_counter() - started


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (the same definition for every row of the table)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


# --- one database ----------------------------------------------------------------------------


@dataclass
class Row:
    db: str
    target: str
    rps: float | None
    p50_ms: float | None
    p99_ms: float | None
    ratio: float | None = None
    check: str = ""
    ok: bool = True
    detail: dict = field(default_factory=dict)


def bench_database(kind: str, args: argparse.Namespace, workdir: Path) -> list[Row]:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        url = fresh_postgres(args.pg_url)
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "FEEDBACK_ENV": env.get("FEEDBACK_ENV") or "development",
            "FEEDBACK_RATELIMIT_ENABLED": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "FEEDBACK_INSTANCE_PATH": str(workdir / "instance"),
        }
    )
    print(f"[{kind}] preparing database", flush=True)
    prepare_database(env)
    settings = gunicorn_args(args.workers, args.threads)
    servers: list[Server] = []
    rows: list[Row] = []
    try:
        app = start_server(f"{kind}-app", "wsgi:app", env, settings, workdir, FORM_PATH)
        servers.append(app)
        bare = start_server(f"{kind}-bare", "bench.bare_app:app", env, settings, workdir, BARE_PATH)
        servers.append(bare)

        print(f"[{kind}] warming up", flush=True)
        run_wrk(app.port, FORM_PATH, args.connections, 2)
        run_wrk(bare.port, BARE_PATH, args.connections, 2)

        print(
            f"[{kind}] wrk GET {FORM_PATH} and {BARE_PATH}, {args.connections} connections, "
            f"{args.rounds} alternating rounds",
            flush=True,
        )
        app_rounds, bare_rounds = [], []
        for _round in range(args.rounds):
            app_rounds.append(run_wrk(app.port, FORM_PATH, args.connections, args.duration))
            bare_rounds.append(run_wrk(bare.port, BARE_PATH, args.connections, args.duration))
        got_app, got_bare = median_run(app_rounds), median_run(bare_rounds)
        ratio = got_app["rps"] / got_bare["rps"] if got_bare["rps"] else 0.0
        misses = []
        if ratio < RATIO_TARGET:
            misses.append(f"ratio {ratio:.3f} < {RATIO_TARGET}")
        if got_app["p99_ms"] >= P99_TARGET_MS:
            misses.append(f"p99 {got_app['p99_ms']:.0f} >= {P99_TARGET_MS:g} ms")
        get_ok = not misses
        get_fail = got_app["non_2xx_3xx"] > 0
        rows.append(
            Row(
                kind,
                f"GET {FORM_PATH}",
                got_app["rps"],
                got_app["p50_ms"],
                got_app["p99_ms"],
                ratio,
                ("FAIL non-2xx " + str(got_app["non_2xx_3xx"]) if get_fail else "")
                or ("targets met" if get_ok else "MISS " + ", ".join(misses)),
                ok=not get_fail,
                detail={**got_app, "target_met": get_ok},
            )
        )
        rows.append(
            Row(
                kind,
                f"GET {BARE_PATH} {BARE_LABEL}",
                got_bare["rps"],
                got_bare["p50_ms"],
                got_bare["p99_ms"],
                check=f"FAIL non-2xx {got_bare['non_2xx_3xx']}" if got_bare["non_2xx_3xx"] else "baseline",
                ok=not got_bare["non_2xx_3xx"],
                detail=dict(got_bare),
            )
        )

        print(f"[{kind}] submit flow, {args.connections} citizens for {args.duration:g} s", flush=True)
        before = count_responses(url)
        flow, elapsed = load_submits(app.port, args.connections, args.duration)
        stored = count_responses(url) - before
        rows.append(_submit_row(kind, "submit GET+POST", flow, elapsed, stored, expected=None))

        print(f"[{kind}] burst of {args.burst} simultaneous POSTs", flush=True)
        before = count_responses(url)
        shot, wall = burst(app.port, args.burst)
        stored = count_responses(url) - before
        rows.append(_submit_row(kind, f"burst {args.burst} POST at once", shot, wall, stored, expected=args.burst))
    finally:
        for server in servers:
            errors = [line for line in server.log_tail(400).splitlines() if "Traceback" in line or "ERROR" in line]
            server.stop()
            if errors:
                print(f"[{kind}] {server.name} logged errors:\n{server.log_tail()}", file=sys.stderr)
    return rows


def _submit_row(kind: str, target: str, stats: FlowStats, elapsed: float, stored: int, expected: int | None) -> Row:
    problems = []
    if stats.server_errors:
        problems.append(f"{stats.server_errors} 5xx")
    if stats.unexpected - stats.server_errors:
        problems.append(f"{stats.unexpected - stats.server_errors} unexpected status")
    if stats.errors:
        problems.append(f"{len(stats.errors)} connection errors")
    if stored != stats.acked:
        problems.append(f"acked {stats.acked} != rows {stored}")
    if len(stats.receipts) != stats.acked:
        problems.append(f"{stats.acked - len(stats.receipts)} duplicate receipts")
    if expected is not None and stats.acked != expected:
        problems.append(f"{stats.acked}/{expected} got 303")
    summary = f"acked {stats.acked} = rows {stored}" if stored == stats.acked else ""
    check = ("FAIL " + ", ".join(problems)) if problems else summary + ", no 5xx"
    rate = stats.acked / elapsed if elapsed > 0 else None
    return Row(
        kind,
        target,
        rate,
        percentile(stats.latencies_ms, 50),
        percentile(stats.latencies_ms, 99),
        check=check,
        ok=not problems,
        detail={
            "acked": stats.acked,
            "rows": stored,
            "seconds": elapsed,
            "statuses": dict(stats.statuses),
            "errors": stats.errors[:20],
        },
    )


# --- output ----------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render_table(rows: list[Row]) -> str:
    header = ("db", "target", "req/s", "p50 ms", "p99 ms", "app/bare", "check")
    lines = [(r.db, r.target, _fmt(r.rps), _fmt(r.p50_ms), _fmt(r.p99_ms), _fmt(r.ratio, 2), r.check) for r in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
    right = {2, 3, 4, 5}

    def fmt_line(cells: tuple[str, ...]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt_line(header), rule, *(fmt_line(line) for line in lines)])


def _commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return None
    return done.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections and concurrent citizens")
    parser.add_argument("--rounds", type=int, default=3, help="alternating wrk rounds of app and bare (default 3)")
    parser.add_argument("--burst", type=int, default=BURST, help=f"citizens in the burst (default {BURST})")
    parser.add_argument("--workers", type=int, default=max(2, 2 * cores), help="gunicorn workers (default 2 x cores)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (default 4)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL),
        help="PostgreSQL database to drop and recreate (its name must contain 'bench')",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("FAIL wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    load_before = os.getloadavg()
    rows: list[Row] = []
    failures: list[str] = []
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix=f"feedback-bench-{kind}-") as tmp:
            try:
                rows += bench_database(kind, args, Path(tmp))
            except BenchFailure as exc:
                failures.append(f"{kind}: {exc}")

    table = render_table(rows)
    print()
    print(
        f"gunicorn {' '.join(gunicorn_args(args.workers, args.threads))} (app and bare); "
        f"wrk -t{max(1, min(2, args.connections))} -c{args.connections} -d{max(1, round(args.duration))}s"
        f" x {args.rounds} rounds, medians; "
        f"{cores} cores"
    )
    print(table)
    failures += [f"{r.db} {r.target}: {r.check}" for r in rows if not r.ok]
    missed = [f"{r.db} {r.target}: {r.check}" for r in rows if r.detail.get("target_met") is False]
    for line in missed:
        print(f"TARGET MISSED {line}")
    load_after = os.getloadavg()
    bare_p99 = [r.p99_ms or 0.0 for r in rows if r.target.endswith(BARE_LABEL)]
    if any(p99 >= P99_TARGET_MS / 2 for p99 in bare_p99) or max(load_before[0], load_after[0]) > cores:
        print(
            f"NOTE the machine was busy (load average {load_before[0]:.1f} before, {load_after[0]:.1f} after, "
            f"{cores} cores; bare p99 {', '.join(_fmt(p99) for p99 in bare_p99)} ms): "
            "tail latencies say more about the machine than the app; rerun on a quiet one"
        )
    for line in failures:
        print(f"FAIL {line}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"citizen-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "at": stamp,
                "commit": _commit(),
                "machine": {
                    "cores": cores,
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_average_before": load_before,
                    "load_average_after": load_after,
                },
                "gunicorn": gunicorn_args(args.workers, args.threads),
                "connections": args.connections,
                "duration_s": args.duration,
                "rounds": args.rounds,
                "targets": {"ratio_min": RATIO_TARGET, "p99_max_ms": P99_TARGET_MS},
                "rows": [
                    {
                        "db": r.db,
                        "target": r.target,
                        "rps": r.rps,
                        "p50_ms": r.p50_ms,
                        "p99_ms": r.p99_ms,
                        "app_bare_ratio": r.ratio,
                        "check": r.check,
                        "ok": r.ok,
                        **r.detail,
                    }
                    for r in rows
                ],
                "failures": failures,
                "targets_missed": missed,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"results written to {out.relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
