"""Twelve browsers that loaded the same fresh ticket submit at the same instant, on a real gunicorn.

The one-stop-shop software issues a ticket through the API (as it does for a receipt), the
citizen's QR is opened on twelve devices (each its own cookie jar, CSRF token and submission id),
and all twelve press "send" together, across two worker processes of eight threads. Exactly one
response may be stored; the other eleven get the friendly "already used" page (410), none a 5xx.

Runs on a fresh SQLite file and, when ``TEST_DATABASE_URL`` names a PostgreSQL database, on a
fresh database next to it (its name + ``_race``), dropped afterwards.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bench.live import (
    Browser,
    Gunicorn,
    LiveError,
    Reply,
    app_env,
    create_api_key,
    create_postgres,
    drop_postgres,
    flask_cli,
    free_port,
    import_directory,
    path_of,
    query,
    sibling_database,
)

pytestmark = pytest.mark.slow

COUNTER = "KH-TTHCC-Q03"
STAFF = "CB0001"
BROWSERS = 12
TIMEOUT = 60


def _backends() -> list:
    backends = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        backends.append(pytest.param("postgres", id="postgres"))
    return backends


@dataclass
class Live:
    server: Gunicorn
    database_url: str
    api_key: str


@pytest.fixture(scope="module", params=_backends())
def live(request, tmp_path_factory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp(f"ticket-race-{request.param}")
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp / "feedback.sqlite3")
    else:
        url = create_postgres(sibling_database(os.environ["TEST_DATABASE_URL"], "_race"))
    port = free_port()
    # Rate limits on, as in production (per-process memory store: the ticket's own limit is 30/min).
    env = app_env(url, tmp, port, FEEDBACK_RATELIMIT_ENABLED="1")
    server = None
    try:
        flask_cli(env, "db", "upgrade")
        import_directory(env)
        key = create_api_key(env, "one-stop-shop", "KH", "tickets:write")
        server = Gunicorn.start(env, port, tmp / "gunicorn.log", workers=2, threads=8)
        yield Live(server, url, key)
    except LiveError as exc:
        pytest.fail(str(exc))
    finally:
        if server is not None:
            server.stop()
        if request.param == "postgres":
            drop_postgres(url)


def _issue_ticket(live: Live) -> dict:
    reply = Browser(live.server.port).post(
        "/api/v1/tickets",
        json={"counter": COUNTER, "staff": STAFF},
        headers={"Authorization": f"Bearer {live.api_key}", "Accept": "application/json"},
    )
    assert reply.status == 201, reply.text
    return reply.json()


def _submit_at_once(browsers: list[Browser], path: str, forms: list[dict[str, str]]) -> list[Reply]:
    barrier = threading.Barrier(len(browsers))
    results: list[Reply | BaseException | None] = [None] * len(browsers)

    def post(i: int) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            results[i] = browsers[i].post(path, form=forms[i])
        except BaseException as exc:  # reported by the test, not lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
    errors = [r for r in results if not isinstance(r, Reply)]
    assert not errors, f"requests failed: {errors!r}"
    return results  # type: ignore[return-value]


def test_twelve_browsers_racing_on_one_ticket_store_exactly_one_response(live: Live) -> None:
    ticket = _issue_ticket(live)
    path = path_of(ticket["url"])
    assert path == f"/t/{ticket['token']}"

    browsers = [Browser(live.server.port) for _ in range(BROWSERS)]
    forms = []
    for i, browser in enumerate(browsers):
        page = browser.get(path)
        assert page.status == 200, page.text
        hidden = page.hidden()
        assert hidden.get("csrf_token") and hidden.get("submission_id"), "the form lacks its hidden fields"
        assert "fbd" in browser.cookies and "session" not in browser.cookies  # no session for citizens
        forms.append(
            {
                "csrf_token": hidden["csrf_token"],
                "submission_id": hidden["submission_id"],
                "overall": str(1 + i % 5),
                "attitude": "4",
                "comment": f"Trình duyệt {i + 1}",
            }
        )
    assert len({form["submission_id"] for form in forms}) == BROWSERS

    replies = _submit_at_once(browsers, path, forms)

    statuses = sorted(reply.status for reply in replies)
    log = live.server.log()
    assert not [s for s in statuses if s >= 500], f"statuses: {statuses}\n{log}"
    assert statuses == [303] + [410] * (BROWSERS - 1), f"statuses: {statuses}\n{log}"
    winner = next(reply for reply in replies if reply.status == 303)
    assert winner.location.startswith(f"/q/{COUNTER}/thanks/")
    for reply in replies:
        if reply.status == 410:
            assert "Phiếu đánh giá này đã được sử dụng" in reply.text  # the friendly "already used" page

    token_id = ticket["token"].rsplit(".", 1)[0]  # the token is the ticket's id, signed
    rows = query(
        live.database_url,
        "SELECT r.submission_id, r.channel, r.receipt, s.code FROM response r"
        " JOIN ticket t ON t.id = r.ticket_id LEFT JOIN staff s ON s.id = r.staff_id"
        " WHERE t.token_id = :token_id",
        {"token_id": token_id},
    )
    assert len(rows) == 1, rows
    submission_id, channel, receipt, staff = rows[0]
    assert submission_id in {form["submission_id"] for form in forms}
    assert (channel, staff) == ("ticket", STAFF)
    assert winner.location.endswith("/" + receipt)
    used = query(live.database_url, "SELECT used_at FROM ticket WHERE token_id = :t", {"t": token_id})
    assert len(used) == 1 and used[0][0] is not None
    # Every other submission id was refused, not stored under another ticket or as a counter response.
    ids = [form["submission_id"] for form in forms]
    stored = query(live.database_url, "SELECT submission_id FROM response")
    assert [row[0] for row in stored if row[0] in ids] == [submission_id]
    assert "Traceback" not in log

    # The winner's browser, and any other, now gets the "already used" page for the ticket.
    assert browsers[0].get(path).status == 410
