"""Honest citizens on shared addresses next to three gaming patterns, on a real gunicorn with rate limits on.

A smaller run of bench/gaming.py (which explains the world it builds): 30 honest devices behind
three carrier-NAT addresses, a few honest kiosk users, and beside them a stuffing phone, a
cookie-dropping stuffing script, staff rating themselves from the staff network and a kiosk
tapped ten times. Rate limits are on, shared by the workers in Redis db 15 (flushed first).

What must hold:
- honest citizens are never blocked: every honest request is answered as a browser expects
  (200 pages, 303 after "send", 201 from the kiosk queue), no 429;
- at most HONEST_FALSE_FLAGS_MAX % of honest responses are flagged;
- each gaming pattern is flagged at GAMING_FLAGGED_MIN % or more, except the cookie-dropping
  script, which only the per-address burst at a counter can see: every one of its responses from
  the FEEDBACK_BURST_IP_COUNT-th on is flagged (flags are not retroactive, so the first eleven
  stay unflagged: see bench/README.md);
- no 5xx, and every acknowledged submit is stored.

Runs on SQLite and, when ``TEST_DATABASE_URL`` names PostgreSQL, on a fresh database next to it
(its name + ``_gaming``).
"""

from __future__ import annotations

import os
import socket
import warnings

import pytest

from bench.gaming import (
    HONEST,
    HONEST_KIOSK,
    KIOSK_TAPS,
    NEIGHBOURS,
    SELF,
    SMALL,
    STUFF_PHONE,
    STUFF_SCRIPT,
    Report,
    render,
    simulate,
)
from bench.live import LiveError, sibling_database

pytestmark = pytest.mark.slow

HONEST_FALSE_FLAGS_MAX = 5.0  # %
GAMING_FLAGGED_MIN = 80.0  # %
BURST_IP_COUNT = 12  # FEEDBACK_BURST_IP_COUNT's default


def _backends() -> list:
    backends = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        backends.append(pytest.param("postgres", id="postgres"))
    return backends


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module", params=_backends())
def report(request, tmp_path_factory) -> Report:
    if not _redis_up():
        message = "the gaming simulation needs Redis at 127.0.0.1:6379 for shared rate limits"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = None
    if request.param == "postgres":
        url = sibling_database(os.environ["TEST_DATABASE_URL"], "_gaming")
    try:
        result = simulate(request.param, tmp_path_factory.mktemp(f"gaming-{request.param}"), SMALL, url)
    except LiveError as exc:
        pytest.fail(str(exc))
    print(render(result))  # shown with -s, or on a failure
    for note in result.notes:
        warnings.warn(note, stacklevel=1)
    return result


def test_nothing_breaks_and_every_acknowledged_submit_is_stored(report: Report) -> None:
    assert report.problems == [], render(report)
    assert report.limiter_keys > 0, "rate limits were not on (nothing in the shared Redis store)"


def test_honest_citizens_are_never_blocked(report: Report) -> None:
    assert report.honest_refused == [], render(report)
    for pattern in (HONEST, HONEST_KIOSK, NEIGHBOURS):
        row = report.row(pattern)
        assert row.blocked == 0 and row.stored > 0, render(report)
    assert report.row(HONEST).stored == SMALL.honest


def test_few_honest_responses_are_flagged(report: Report) -> None:
    rows = [report.row(HONEST), report.row(HONEST_KIOSK)]
    stored = sum(row.stored for row in rows)
    flagged = sum(row.flagged for row in rows)
    assert 100.0 * flagged / stored <= HONEST_FALSE_FLAGS_MAX, render(report)


@pytest.mark.parametrize(
    ("pattern", "code"),
    [(STUFF_PHONE, "burst"), (SELF, "internal_network"), (KIOSK_TAPS, "kiosk_interval")],
)
def test_each_gaming_pattern_is_mostly_flagged(report: Report, pattern: str, code: str) -> None:
    row = report.row(pattern)
    assert row.stored > 0, render(report)
    assert row.rate >= GAMING_FLAGGED_MIN, render(report)
    assert row.codes[code] > 0, render(report)


def test_a_script_dropping_its_cookies_is_caught_by_the_address_burst_at_the_counter(report: Report) -> None:
    row = report.row(STUFF_SCRIPT)
    assert row.stored == SMALL.stuffing, render(report)
    assert row.flagged >= SMALL.stuffing - (BURST_IP_COUNT - 1), render(report)
    assert set(row.codes) == {"burst"}, render(report)
