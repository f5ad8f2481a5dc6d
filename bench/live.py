"""A real gunicorn serving the app on a fresh database, and browsers to talk to it.

Shared by the integration tests (tests/integration/) and the scripts in bench/. Everything goes
through the documented outside interfaces: the CLI (``flask --app wsgi …``) to set the database
up, HTTP on a loopback port for the rest. Nothing here imports the app.

    env = app_env(database_url, tmp_dir, port)
    flask_cli(env, "db", "upgrade")
    import_directory(env, DIRECTORY)
    server = Gunicorn.start(env, port, tmp_dir / "gunicorn.log")
    browser = Browser(server.port, address="203.0.113.10")   # needs FEEDBACK_PROXY_COUNT=1
    ...
    server.stop()
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY = ROOT / "examples" / "directory"
TIMEOUT = 60

HIDDEN_RE = re.compile(r'<input[^>]*\bname="([\w-]+)"[^>]*\bvalue="([^"]*)"')


class LiveError(RuntimeError):
    """The server or a CLI command could not be brought up."""


# --- databases --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sibling_database(url: str, suffix: str) -> str:
    """The URL of a database named like ``url``'s with ``suffix`` added (e.g. feedback_test_race)."""
    base = make_url(url)
    return base.set(database=f"{base.database}{suffix}").render_as_string(hide_password=False)


def _check_name(url: str) -> str:
    name = make_url(url).database or ""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name in ("postgres", "template0", "template1"):
        raise LiveError(f"refusing to drop or create database {name!r}")
    return name


def drop_postgres(url: str) -> None:
    name = _check_name(url)
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


def create_postgres(url: str) -> str:
    """Drop and recreate the PostgreSQL database named in ``url``; returns ``url``."""
    drop_postgres(url)
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{_check_name(url)}"'))
    finally:
        admin.dispose()
    return url


def query(url: str, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
    """Rows of one read-only statement, on a connection of its own."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), dict(params or {}))]
    finally:
        engine.dispose()


# --- the CLI ----------------------------------------------------------------------------------


def app_env(database_url: str, tmp: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of the server and of its CLI: a fresh secret, rate limits off unless given."""
    env = dict(os.environ)
    for name in ("REDIS_URL", "FEEDBACK_PROXY_COUNT", "FEEDBACK_HASH_KEY"):
        env.pop(name, None)  # only what the caller asks for
    env.update(
        {
            "DATABASE_URL": database_url,
            "FEEDBACK_ENV": "development",
            "FEEDBACK_RATELIMIT_ENABLED": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "FEEDBACK_INSTANCE_PATH": str(tmp / "instance"),
            "FEEDBACK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
    )
    env.update(extra)
    return env


def flask_cli(env: Mapping[str, str], *args: str, stdin: str | None = None, timeout: float = 120) -> str:
    """Run ``flask --app wsgi ARGS``; returns its standard output, raises LiveError on failure."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise LiveError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def import_directory(env: Mapping[str, str], directory: Path = DIRECTORY) -> None:
    """``directory import`` of the CSV files found in ``directory`` (units, counters, staff, services)."""
    args: list[str] = []
    for kind in ("units", "counters", "staff", "services"):
        path = directory / f"{kind}.csv"
        if path.exists():
            args += [f"--{kind}", str(path)]
    flask_cli(env, "directory", "import", *args)


def create_api_key(env: Mapping[str, str], name: str, unit: str, scopes: str) -> str:
    """``apikeys create``; the key is the last line printed."""
    return flask_cli(env, "apikeys", "create", name, "--unit", unit, "--scopes", scopes).strip().splitlines()[-1]


def kiosk_enrolment_link(env: Mapping[str, str], counter: str) -> str:
    """``kiosk enrol COUNTER``; the link is the last line printed."""
    return flask_cli(env, "kiosk", "enrol", counter).strip().splitlines()[-1]


def write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[str]]) -> Path:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(header))
        writer.writerows([list(row) for row in rows])
    return path


# --- the server -------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen
    log_path: Path

    @classmethod
    def start(
        cls,
        env: Mapping[str, str],
        port: int,
        log_path: Path,
        *,
        workers: int = 2,
        threads: int = 8,
        app_spec: str = "wsgi:app",
        probe: str = "/healthz",
        wait: float = 30,
    ) -> Gunicorn:
        """Serve ``app_spec`` on 127.0.0.1:``port`` and wait until ``probe`` answers 200."""
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT)]
                + ["--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads), app_spec],
                cwd=ROOT,
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() ends the workers too
            )
        server = cls(port, process, log_path)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise LiveError(f"gunicorn exited with {process.returncode}:\n{server.log()}")
            try:
                if Browser(port).get(probe).status == 200:
                    return server
            except OSError:
                pass
            time.sleep(0.1)
        server.stop()
        raise LiveError(f"gunicorn did not answer 200 on {probe} within {wait:.0f} s:\n{server.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
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


# --- a browser --------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location") or ""

    def hidden(self) -> dict[str, str]:
        """The form's hidden inputs (csrf_token, submission_id, …) by name."""
        return dict(HIDDEN_RE.findall(self.text))

    def json(self) -> Any:
        return jsonlib.loads(self.text)


class Browser:
    """One device: its own cookie jar, and the client address a proxy would report for it.

    ``address`` goes into ``X-Forwarded-For``, which the app trusts with FEEDBACK_PROXY_COUNT=1.
    Cookies are kept by name only (no path or expiry): enough for this app's few cookies.
    """

    def __init__(self, port: int, address: str | None = None) -> None:
        self.port = port
        self.address = address
        self.cookies: dict[str, str] = {}

    def forget(self) -> None:
        """Drop every cookie: private browsing, or a script that wants to look like a new phone."""
        self.cookies.clear()

    def request(
        self,
        method: str,
        path: str,
        *,
        form: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent = {"Accept": "text/html", "Accept-Language": "vi"}
        body: str | None = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json is not None:
            body = jsonlib.dumps(json)
            sent["Content-Type"] = "application/json"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.address:
            sent["X-Forwarded-For"] = self.address
        sent.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body.encode("utf-8") if body is not None else None, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookie_value = rest.split(";", 1)[0]
            if "max-age=0" in value.lower() or "expires=thu, 01 jan 1970" in value.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = cookie_value
        return Reply(response.status, response.headers, data.decode("utf-8", "replace"))

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.request("POST", path, **kwargs)


def path_of(url: str) -> str:
    """``http://host:port/t/abc?x=1`` → ``/t/abc?x=1``."""
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
