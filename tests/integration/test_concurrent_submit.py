"""Citizens submitting at the same instant, against a real gunicorn server and a real database.

The in-process tests cannot show this: here several worker processes and threads race for the
same SQLite file (or PostgreSQL rows), as in production. Every acknowledged submit (303) must be
one stored row, a repeated submission id must be one row, and nothing may answer 5xx.

The server gets its own fresh SQLite file under pytest's tmp path; when ``TEST_DATABASE_URL``
names a PostgreSQL database, the same tests also run against a fresh database next to it
(its name + ``_conc``), dropped afterwards.
"""

from __future__ import annotations

import http.client
import os
import re
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import bindparam, create_engine, text

from bench.live import (
    Gunicorn,
    LiveError,
    app_env,
    create_postgres,
    drop_postgres,
    flask_cli,
    free_port,
    import_directory,
    sibling_database,
)

pytestmark = pytest.mark.slow

COUNTER = "KH-TTHCC-Q03"
FORM_PATH = f"/q/{COUNTER}"
HIDDEN_RE = re.compile(r'<input[^>]*\bname="(csrf_token|submission_id)"[^>]*\bvalue="([^"]*)"')
BURST = 30
SAME_ID_POSTS = 12
TIMEOUT = 60


def _backends() -> list:
    backends = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        backends.append(pytest.param("postgres", id="postgres"))
    return backends


# --- the server and its database (bench/live.py) ----------------------------------------------


@dataclass
class LiveServer:
    port: int
    database_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def count_responses(self, submission_ids: list[str] | None = None) -> int:
        sql = "SELECT count(*) FROM response"
        params = {}
        if submission_ids is not None:
            sql += " WHERE submission_id IN :ids"
            params["ids"] = submission_ids
        statement = text(sql)
        if submission_ids is not None:
            statement = statement.bindparams(bindparam("ids", expanding=True))
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(statement, params).scalar_one())
        finally:
            engine.dispose()

    def receipts(self, submission_ids: list[str]) -> set[str]:
        statement = text("SELECT receipt FROM response WHERE submission_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return {row[0] for row in conn.execute(statement, {"ids": submission_ids})}
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=_backends())
def live_server(request, tmp_path_factory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp(f"concurrent-{request.param}")
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp / "feedback.sqlite3")
    else:
        url = create_postgres(sibling_database(os.environ["TEST_DATABASE_URL"], "_conc"))
    port = free_port()
    env = app_env(url, tmp, port)  # rate limits off: thirty citizens from one address
    server = None
    try:
        flask_cli(env, "db", "upgrade")
        import_directory(env)
        # Two processes of eight threads: the burst races across processes and within one.
        server = Gunicorn.start(env, port, tmp / "gunicorn.log", workers=2, threads=8, probe=FORM_PATH)
        yield LiveServer(port, url, server.log_path)
    except LiveError as exc:
        pytest.fail(str(exc))
    finally:
        if server is not None:
            server.stop()
        if request.param == "postgres":
            drop_postgres(url)


# --- a citizen's phone ------------------------------------------------------------------------


def _request(
    port: int, method: str, path: str, body: str | None = None, cookie: str | None = None
) -> tuple[int, http.client.HTTPMessage, str]:
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


@dataclass
class FilledForm:
    cookie: str
    csrf_token: str
    submission_id: str

    def body(self, overall: int) -> str:
        return urllib.parse.urlencode(
            {
                "csrf_token": self.csrf_token,
                "submission_id": self.submission_id,
                "overall": overall,
                "attitude": 5,
                "comment": "Cán bộ hướng dẫn tận tình.",
            }
        )


def _load_form(port: int) -> FilledForm:
    status, headers, page = _request(port, "GET", FORM_PATH)
    assert status == 200, page
    # The citizen's CSRF token is bound to the device cookie (feedback/web/citizen_csrf.py).
    cookie = "; ".join(value.split(";", 1)[0] for value in headers.get_all("Set-Cookie") or [])
    assert "fbd=" in cookie and "session=" not in cookie, cookie
    hidden = dict(HIDDEN_RE.findall(page))
    return FilledForm(cookie, hidden["csrf_token"], hidden["submission_id"])


def _post_at_once(port: int, forms: list[FilledForm]) -> list[tuple[int, str]]:
    """POST every form from its own thread, all released by one barrier; (status, Location) each."""
    barrier = threading.Barrier(len(forms))
    results: list[tuple[int, str] | BaseException | None] = [None] * len(forms)

    def post(i: int, form: FilledForm) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            status, headers, _page = _request(port, "POST", FORM_PATH, form.body(overall=1 + i % 5), form.cookie)
            results[i] = (status, headers.get("Location") or "")
        except BaseException as exc:  # reported by the test, not lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=post, args=(i, form)) for i, form in enumerate(forms)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
    errors = [r for r in results if not isinstance(r, tuple)]
    assert not errors, f"requests failed: {errors!r}"
    return results  # type: ignore[return-value]


# --- the tests --------------------------------------------------------------------------------


def test_thirty_citizens_submitting_at_once_are_all_stored(live_server: LiveServer) -> None:
    # Each citizen loads the form first (as on their phone), then all press "send" together.
    forms = [None] * BURST

    def load(i: int) -> None:
        forms[i] = _load_form(live_server.port)

    loaders = [threading.Thread(target=load, args=(i,)) for i in range(BURST)]
    for thread in loaders:
        thread.start()
    for thread in loaders:
        thread.join(timeout=TIMEOUT)
    assert all(forms), "not every citizen got the form"
    before = live_server.count_responses()

    results = _post_at_once(live_server.port, forms)

    statuses = [status for status, _location in results]
    assert statuses == [303] * BURST, f"statuses: {statuses}\n{live_server.log()}"
    receipts = {location.rsplit("/", 1)[-1] for _status, location in results}
    assert len(receipts) == BURST
    ids = [form.submission_id for form in forms]
    assert live_server.count_responses(ids) == BURST
    assert live_server.count_responses() - before == BURST
    assert live_server.receipts(ids) == receipts
    assert "Traceback" not in live_server.log()


def test_the_same_submission_posted_twelve_times_at_once_is_stored_once(live_server: LiveServer) -> None:
    # A double tap, a flaky network's retries: one form, one cookie, one CSRF token, twelve POSTs.
    form = _load_form(live_server.port)
    before = live_server.count_responses()

    results = _post_at_once(live_server.port, [form] * SAME_ID_POSTS)

    statuses = [status for status, _location in results]
    assert not [s for s in statuses if s >= 500], f"statuses: {statuses}\n{live_server.log()}"
    assert statuses == [303] * SAME_ID_POSTS, f"statuses: {statuses}"
    assert len({location for _status, location in results}) == 1, "every retry must get the first receipt"
    assert live_server.count_responses([form.submission_id]) == 1
    assert live_server.count_responses() - before == 1
    assert "Traceback" not in live_server.log()
