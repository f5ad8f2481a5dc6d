"""Browser tests: the real Chromium against the app served by gunicorn on a loopback port.

The live server gets its own database (a fresh SQLite file, or ``<TEST_DATABASE_URL's db>_e2e`` on
PostgreSQL, dropped afterwards), set up through the CLI exactly as an installer would. Without
``/usr/bin/chromium`` (or ``E2E_CHROMIUM``) the tests are skipped, except under CI (``CI`` set), where
that is a failure: CI must never skip the browser tests. Screenshots go to tests/e2e/screenshots/.

The kiosk timings are shortened for the live server (``KIOSK_TIMINGS``), so a test waits seconds,
not the minute a real tablet would. ``live_server.flask(...)`` runs more CLI commands against the
live server's database (enrol a kiosk, set a PIN, create an API key) and ``live_db`` reads it back.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
SCREENSHOTS = E2E_DIR / "screenshots"
AXE_JS = E2E_DIR / "vendor" / "axe.min.js"
# Debian's Chromium (Playwright cannot download its own browser here); E2E_CHROMIUM points elsewhere.
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXAMPLES = ROOT / "examples" / "directory"

ACTIVE_COUNTER = "KH-TTHCC-Q03"
INACTIVE_COUNTER = "KH-TTHCC-Q99"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PATIENCE_MS = 15_000
# Short kiosk timings for the live server: thanks for 2 s, an untouched answer is sent after 5 s; and
# a long minimum interval, so every second kiosk response of one device within a test is flagged.
KIOSK_TIMINGS = {
    "FEEDBACK_KIOSK_RESET_SECONDS": "2",
    "FEEDBACK_KIOSK_IDLE_SECONDS": "5",
    "FEEDBACK_KIOSK_MIN_INTERVAL_SECONDS": "3",
}
HTTP_STATUS_CONSOLE_ERROR = "Failed to load resource: the server responded with a status of"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason}; CI is set, and CI must never skip the browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        _unavailable(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("browser tests need the playwright package (pip install -r requirements-dev.txt)")
    return str(CHROMIUM)


# --- the live server -------------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    host: str
    log: Path
    database_url: str
    env: dict[str, str] = field(repr=False, default_factory=dict)
    active_counter: str = ACTIVE_COUNTER
    inactive_counter: str = INACTIVE_COUNTER

    def __call__(self, path: str) -> str:
        return self.url + path

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run ``flask --app wsgi ARGS`` against the live server's database; return its standard output."""
        return _flask(self.env, *args, stdin=stdin)

    def setting(self, name: str) -> int:
        return int(self.env[name])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_e2e_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """Create a fresh ``<db>_e2e`` next to the test database; return its URL and a dropper."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(base_url)
    name = f"{base.database}_e2e"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    drop()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop_and_dispose() -> None:
        try:
            drop()
        finally:
            admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop_and_dispose


def _flask(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(flask, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"`flask {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _wait_until_up(proc: subprocess.Popen, url: str, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the live server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our own loopback server
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    output = log.read_text(errors="replace")
    raise RuntimeError(f"the live server did not answer {url} within {timeout:.0f} s:\n{output}")


@pytest.fixture(scope="session")
def live_server(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("e2e-server")
    drop_database: Callable[[], None] | None = None
    test_url = os.environ.get("TEST_DATABASE_URL", "")
    if test_url.startswith("postgresql"):
        database_url, drop_database = _postgres_e2e_database(test_url)
    else:
        database_url = f"sqlite:///{workdir / 'e2e.sqlite3'}"

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FEEDBACK_INSTANCE_PATH": str(workdir / "instance"),
        "FEEDBACK_RATELIMIT_ENABLED": "0",
        "FEEDBACK_PUBLIC_URL": base_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "PYTHONUNBUFFERED": "1",
        **KIOSK_TIMINGS,
    }
    env.pop("FLASK_APP", None)

    inactive_csv = workdir / "inactive_counters.csv"
    inactive_csv.write_text(
        "code,unit_code,label_vi,label_en,active\n"
        f"{INACTIVE_COUNTER},KH-TTHCC,Quầy 99 – Tạm ngừng,Counter 99 – Paused,0\n",
        encoding="utf-8",
    )
    proc: subprocess.Popen | None = None
    log = workdir / "server.log"
    try:
        _flask(env, "db", "upgrade")
        _flask(
            env,
            "directory",
            "import",
            "--units",
            str(EXAMPLES / "units.csv"),
            "--counters",
            str(EXAMPLES / "counters.csv"),
            "--staff",
            str(EXAMPLES / "staff.csv"),
            "--services",
            str(EXAMPLES / "services.csv"),
        )
        _flask(env, "directory", "import", "--counters", str(inactive_csv))

        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "wsgi:app",
        ]
        with log.open("w") as log_file:
            proc = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        _wait_until_up(proc, f"{base_url}/q/{ACTIVE_COUNTER}", log)
        yield LiveServer(url=base_url, host=f"127.0.0.1:{port}", log=log, database_url=database_url, env=env)
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if drop_database is not None:
            drop_database()


# --- the browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(chromium_path: str):  # noqa: ANN201
    from playwright.sync_api import expect, sync_playwright

    # Generous waits: the suite shares the machine with other work, and a wait only costs time on failure.
    expect.set_options(timeout=PATIENCE_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """One browser context: its page and every URL the page asked for."""

    context: object
    page: object
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser, live_server: LiveServer) -> Iterator[Callable[..., Visit]]:  # noqa: ANN001
    """``open_page(viewport=..., java_script_enabled=False)``: a fresh context and page that record requests.

    Anything not on the live server (or a data: URL) is recorded and aborted, so a stray third-party
    reference fails a test instead of reaching the internet.
    """
    contexts = []

    def make(**options) -> Visit:  # noqa: ANN003
        context = browser.new_context(**options)
        contexts.append(context)
        context.set_default_timeout(PATIENCE_MS)
        page = context.new_page()
        visit = Visit(context=context, page=page)

        def record(request) -> None:  # noqa: ANN001
            visit.requests.append(request.url)

        def guard(route) -> None:  # noqa: ANN001
            url = route.request.url
            if is_own_url(url, live_server):
                route.continue_()
            else:
                visit.blocked.append(url)
                route.abort()

        def console(message) -> None:  # noqa: ANN001
            # CSP refusals show up here, not as failed requests. A 4xx page is often the expected
            # answer (404, 410, 422), so HTTP statuses are checked on subresources only, below.
            if message.type == "error" and not message.text.startswith(HTTP_STATUS_CONSOLE_ERROR):
                visit.errors.append(message.text)

        def response(answer) -> None:  # noqa: ANN001
            if answer.status >= 400 and answer.request.resource_type != "document":
                visit.errors.append(f"{answer.status} for {answer.url}")

        context.on("request", record)
        page.on("console", console)
        page.on("response", response)
        context.route("**/*", guard)
        return visit

    yield make
    for context in contexts:
        context.close()


def is_own_url(url: str, live_server: LiveServer) -> bool:
    return url.startswith("data:") or url == live_server.url or url.startswith(live_server.url + "/")


# --- helpers ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def screenshot() -> Callable[..., Path]:
    """``screenshot(page, "survey-vi-mobile")`` saves tests/e2e/screenshots/<name>.png (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def save(page, name: str, full_page: bool = True) -> Path:  # noqa: ANN001
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


@pytest.fixture(scope="session")
def check_axe() -> Callable[..., list[dict]]:
    """``check_axe(page, "where")``: fail on any serious or critical axe-core violation."""
    return assert_accessible


def _inject_axe(page) -> None:  # noqa: ANN001
    # The citizen pages send `script-src 'self'`, which rightly refuses the inline <script> that
    # page.add_script_tag() would insert. Evaluating axe through the DevTools protocol is outside the
    # page's CSP, so the page is audited exactly as citizens get it (no bypass_csp).
    page.evaluate("() => {\n" + AXE_JS.read_text(encoding="utf-8") + "\n}")
    if not page.evaluate("() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        raise RuntimeError(f"{AXE_JS} did not define window.axe")


def axe_violations(page) -> list[dict]:  # noqa: ANN001
    """Run the vendored axe-core on the page (WCAG 2.0/2.1 A and AA rules) and return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        _inject_axe(page)
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,"
        " nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))})); }",
        AXE_TAGS,
    )
    return result


def assert_accessible(page, where: str) -> list[dict]:  # noqa: ANN001
    """No axe violation of impact serious or critical; the lesser ones are returned for the report."""
    violations = axe_violations(page)
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe-core found serious/critical violations on {where}:\n" + _describe(bad)
    if violations:
        print(f"axe-core on {where}: minor/moderate only:\n{_describe(violations)}")
    else:
        print(f"axe-core on {where}: no violations")
    return violations


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


# --- the live server's database and CLI ------------------------------------------------------------


@dataclass
class LiveDb:
    """Reads (and, for a test's setup, writes) the live server's database with the app's own models."""

    engine: object

    def session(self):  # noqa: ANN201
        from sqlalchemy.orm import Session

        return Session(self.engine, expire_on_commit=False)

    def scalar(self, statement):  # noqa: ANN001, ANN201
        with self.session() as session:
            return session.scalar(statement)

    def all(self, statement) -> list:  # noqa: ANN001
        with self.session() as session:
            return list(session.execute(statement).all())

    def execute(self, statement) -> None:  # noqa: ANN001
        with self.session() as session, session.begin():
            session.execute(statement)


@pytest.fixture(scope="session")
def live_db(live_server: LiveServer) -> Iterator[LiveDb]:
    from sqlalchemy import create_engine

    engine = create_engine(live_server.database_url)
    yield LiveDb(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def api_key(live_server: LiveServer) -> str:
    """An API key for the whole province that may issue tickets, made with the CLI like an administrator would."""
    output = live_server.flask("apikeys", "create", "e2e-tickets", "--unit", "KH", "--scopes", "tickets:write")
    return output.strip().splitlines()[-1].strip()


@pytest.fixture
def issue_ticket(live_server: LiveServer, api_key: str) -> Callable[..., dict]:
    """``issue_ticket(counter=..., staff=..., service=...)``: POST /api/v1/tickets as the one-stop-shop system does."""
    import json

    def issue(**payload) -> dict:  # noqa: ANN003
        payload = {"counter": ACTIVE_COUNTER, **payload}
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            live_server("/api/v1/tickets"),
            data=json.dumps(payload).encode("utf-8"),
            method="POST",
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.status == 201, f"POST /api/v1/tickets answered {answer.status}"
            return json.loads(answer.read())

    return issue


def enrol_link(live_server: LiveServer, counter_code: str) -> str:
    """A one-time kiosk enrolment link from ``flask kiosk enrol`` (its last line)."""
    link = live_server.flask("kiosk", "enrol", counter_code, "--name", "e2e tablet").strip().splitlines()[-1].strip()
    assert link.startswith(live_server.url + "/k/enrol/"), f"unexpected enrolment link {link!r}"
    return link
