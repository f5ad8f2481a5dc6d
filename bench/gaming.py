"""Honest citizens next to three ways of gaming the survey, against a real gunicorn with rate limits on.

    .venv/bin/python bench/gaming.py [--db sqlite|postgres] [--honest 60] [--spread 60] [--counters 8] [--seed 1]

It builds a fresh database with the documented CLI (a centre whose unit sets ``internal_networks``
and all-week ``opening_hours``, eight counters, staff, an API key, two kiosks), serves the app with
gunicorn (2 workers x 8 threads) with every rate limit on, limits shared across workers in Redis
(``redis://127.0.0.1:6379/15``, flushed first) and ``FEEDBACK_PROXY_COUNT=1``, so each simulated
device sets its client address with ``X-Forwarded-For``. Then, at the same time:

- honest citizens: each its own device (cookie jar), behind one of three carrier-NAT addresses,
  at a random counter, arriving over ``--spread`` seconds; most scan the counter QR, a quarter get
  a ticket through the API; one in ten double-taps "send"; a few use a kiosk, 6.5 s apart (as
  close as its thanks screen and reset allow);
- stuffing, one phone: a phone that keeps its cookies submits 20 times on a counter QR;
- stuffing, new device each time: a script that drops its cookies before each of 20 submits from
  one address (it should be caught by the per-address burst at a counter);
- self-rating: three staff members rate their own counters twice each from the staff network;
- kiosk tapped repeatedly: an enrolled kiosk gets 10 answers in quick succession (JSON queue API);
- honest citizens behind the stuffer's carrier NAT at the stuffer's counter, just after the burst
  (how far the address-based burst flag reaches honest people).

The flags are read from the database (``response.suspect``, ``response_flag.code``) by each
response's submission id. It prints, per pattern: submits, stored responses, flagged, flag rate,
blocked (any 429 or other refusal), and the flag codes; then the honest responses wrongly flagged
and the honest requests blocked. Exit status 1 on any 5xx, an acknowledged submit that was not
stored, or an honest request refused. Addresses are from the documentation ranges (RFC 5737):
they only ever appear in a header; every packet goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.live import (  # noqa: E402
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
    kiosk_enrolment_link,
    path_of,
    write_csv,
)

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/feedback_bench_gaming"
REDIS_URL = "redis://127.0.0.1:6379/15"

CENTRE = "KH-TTHCC"
WARD = "KH-P-NHATRANG"
STAFF_NETWORK = "198.51.100.0/24"  # the centre's own network (internal_networks)
ALL_WEEK = "mon-sun 00:00-24:00"  # so off_hours never fires by accident
CARRIER_NATS = ("203.0.113.10", "203.0.113.20", "203.0.113.30")  # shared by many honest phones
STUFFER_NAT = "203.0.113.40"  # the one-phone stuffer's carrier NAT (and a few honest phones')
SCRIPT_ADDRESS = "192.0.2.44"  # a PC at home running the cookie-dropping script
KIOSK_ADDRESS = "198.51.100.5"  # kiosks sit on the office network by design
COUNTERS = [f"{CENTRE}-Q{i:02d}" for i in range(1, 7)] + ["KH-NT-Q01", "KH-NT-Q02"]
STUFFED_COUNTER = "KH-TTHCC-Q03"
SCRIPTED_COUNTER = "KH-TTHCC-Q01"
KIOSK_COUNTER = "KH-TTHCC-Q06"
HONEST_KIOSK_COUNTER = "KH-TTHCC-Q05"
SELF_RATING = (("CB0002", "KH-TTHCC-Q02", "198.51.100.21"), ("CB0004", "KH-TTHCC-Q04", "198.51.100.22"))
SELF_RATING += (("CB0005", "KH-TTHCC-Q05", "198.51.100.23"),)

HONEST = "honest citizens"
HONEST_KIOSK = "honest kiosk users"
NEIGHBOURS = "honest, stuffer's NAT and counter"
STUFF_PHONE = "stuffing: one phone"
STUFF_SCRIPT = "stuffing: new device each time"
SELF = "self-rating from staff network"
KIOSK_TAPS = "kiosk tapped repeatedly"
HONEST_PATTERNS = (HONEST, HONEST_KIOSK, NEIGHBOURS)
PATTERNS = (HONEST, HONEST_KIOSK, NEIGHBOURS, STUFF_PHONE, STUFF_SCRIPT, SELF, KIOSK_TAPS)

COMMENTS = ("Cán bộ hướng dẫn tận tình.", "Phải chờ hơi lâu.", "Thủ tục nhanh gọn. Cảm ơn!", "")


@dataclass(frozen=True)
class Plan:
    honest: int = 60  # honest devices (counter QR or ticket)
    spread: float = 60.0  # seconds over which honest citizens arrive
    stuffing: int = 20  # submits per stuffing pattern
    self_rating_each: int = 2  # submits per staff member rating themselves
    kiosk_taps: int = 10
    honest_kiosk: int = 3  # honest kiosk users, as close together as the kiosk allows (6.5 s)
    neighbours: int = 5  # honest phones behind the stuffer's NAT at its counter, after the burst
    counters: int = len(COUNTERS)  # honest citizens use the first N counters (1: one busy counter QR)
    ticket_share: float = 0.25
    double_tap_share: float = 0.1
    seed: int = 1


SMALL = Plan(honest=30, spread=12.0, self_rating_each=2, honest_kiosk=2, neighbours=3)


@dataclass
class Attempt:
    """One press of "send": which pattern, its submission id, and what the server answered."""

    pattern: str
    submission_id: str
    status: int
    acknowledged: bool
    detail: str = ""


@dataclass
class Row:
    pattern: str
    submits: int = 0
    stored: int = 0
    flagged: int = 0
    blocked: int = 0
    codes: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return 100.0 * self.flagged / self.stored if self.stored else 0.0


@dataclass
class Report:
    db: str
    plan: Plan
    rows: dict[str, Row]
    problems: list[str]  # 5xx, acknowledged but not stored, …
    honest_requests: int
    honest_refused: list[str]  # every honest request that was not answered as a browser expects
    limiter_keys: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    def row(self, pattern: str) -> Row:
        return self.rows[pattern]


# --- the world --------------------------------------------------------------------------------


@dataclass
class World:
    server: Gunicorn
    database_url: str
    api_key: str
    kiosk_links: dict[str, str]
    notes: list[str] = field(default_factory=list)


UNIT_SETTINGS = {CENTRE: (STAFF_NETWORK, ALL_WEEK), WARD: ("", ALL_WEEK)}


def write_directory(folder: Path, unit_settings: bool = True) -> Path:
    """The simulation's directory as CSV; ``unit_settings`` adds internal_networks and opening_hours."""
    folder.mkdir(parents=True, exist_ok=True)
    units = [
        ("KH", "UBND tỉnh Khánh Hòa", "Khánh Hòa Provincial People's Committee", "", "province"),
        (CENTRE, "Trung tâm Phục vụ hành chính công tỉnh", "Public Administration Service Centre", "KH", "centre"),
        (WARD, "UBND phường Nha Trang", "Nha Trang Ward People's Committee", "KH", "ward"),
    ]
    header = ("code", "name_vi", "name_en", "parent_code", "kind")
    if unit_settings:
        header += ("internal_networks", "opening_hours")
        units = [unit + UNIT_SETTINGS.get(unit[0], ("", "")) for unit in units]
    write_csv(folder / "units.csv", header, units)
    write_csv(
        folder / "counters.csv",
        ("code", "unit_code", "label_vi", "label_en"),
        [
            (code, WARD if code.startswith("KH-NT") else CENTRE, f"Quầy {code[-2:]}", f"Counter {code[-2:]}")
            for code in COUNTERS
        ],
    )
    write_csv(
        folder / "staff.csv",
        ("code", "full_name", "unit_code", "position", "email"),
        [(f"CB{i:04d}", f"Cán bộ {i}", CENTRE if i <= 6 else WARD, "Chuyên viên", "") for i in range(1, 9)],
    )
    write_csv(
        folder / "services.csv",
        ("code", "name_vi", "name_en", "field"),
        [("1.009972", "Cấp giấy phép xây dựng", "Construction permit", "Xây dựng")],
    )
    return folder


def import_with_unit_settings(env: dict[str, str], database_url: str, folder: Path) -> list[str]:
    """Import the directory with the units' internal_networks and opening_hours columns (docs/directory-import.md).

    If this version's import refuses those columns, import without them and set the two settings
    in the database instead, and say so: the simulation needs them either way.
    """
    try:
        import_directory(env, write_directory(folder))
        return []
    except LiveError as exc:
        if "internal_networks" not in str(exc):
            raise
    import_directory(env, write_directory(folder, unit_settings=False))
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            for code, (networks, hours) in UNIT_SETTINGS.items():
                conn.execute(
                    text("UPDATE unit SET internal_networks = :n, opening_hours = :h WHERE code = :c"),
                    {"n": networks or None, "h": hours or None, "c": code},
                )
    finally:
        engine.dispose()
    return [
        "`flask directory import` refused the units.csv columns internal_networks and opening_hours "
        "(documented in docs/directory-import.md); they were set in the database instead"
    ]


def flush_redis(url: str = REDIS_URL) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def limiter_keys(url: str = REDIS_URL) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return int(client.dbsize())
    finally:
        client.close()


def start_world(database_url: str, tmp: Path, workers: int = 2, threads: int = 8) -> World:
    port = free_port()
    env = app_env(
        database_url,
        tmp,
        port,
        FEEDBACK_RATELIMIT_ENABLED="1",
        REDIS_URL=REDIS_URL,
        FEEDBACK_PROXY_COUNT="1",
    )
    flask_cli(env, "db", "upgrade")
    notes = import_with_unit_settings(env, database_url, tmp / "directory")
    key = create_api_key(env, "one-stop-shop", "KH", "tickets:write")
    links = {counter: kiosk_enrolment_link(env, counter) for counter in (KIOSK_COUNTER, HONEST_KIOSK_COUNTER)}
    flush_redis()
    server = Gunicorn.start(env, port, tmp / "gunicorn.log", workers=workers, threads=threads)
    return World(server, database_url, key, links, notes)


# --- the people -------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.attempts: list[Attempt] = []
        self.requests: list[tuple[str, str, int]] = []  # (pattern, "GET /q/…", status)
        self.lock = threading.Lock()

    def request(self, pattern: str, what: str, reply: Reply) -> Reply:
        with self.lock:
            self.requests.append((pattern, what, reply.status))
        return reply

    def attempt(self, pattern: str, submission_id: str, reply: Reply, ok: tuple[int, ...] = (303,)) -> None:
        with self.lock:
            self.attempts.append(Attempt(pattern, submission_id, reply.status, reply.status in ok))


def _answers(rng: random.Random, honest: bool = True) -> dict[str, str]:
    if not honest:
        return {"overall": "5", "attitude": "5", "timeliness": "5", "ease": "5", "transparency": "5"}
    answers = {"overall": str(rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 12, 8, 5))[0])}
    for code in ("attitude", "timeliness", "ease", "transparency"):
        if rng.random() < 0.6:
            answers[code] = str(rng.randint(2, 5))
    comment = rng.choice(COMMENTS)
    if comment:
        answers["comment"] = comment
    return answers


def fill_and_send(
    browser: Browser,
    path: str,
    pattern: str,
    rec: Recorder,
    answers: dict[str, str],
    *,
    taps: int = 1,
    pause: Callable[[], None] = lambda: None,
) -> None:
    """GET the survey at ``path``, wait, POST the answers (``taps`` times: a double tap)."""
    page = rec.request(pattern, f"GET {path}", browser.get(path))
    if page.status != 200:
        return
    hidden = page.hidden()
    pause()
    form = {"csrf_token": hidden.get("csrf_token", ""), "submission_id": hidden.get("submission_id", ""), **answers}
    for _ in range(taps):
        reply = rec.request(pattern, f"POST {path}", browser.post(path, form=form))
        rec.attempt(pattern, form["submission_id"], reply)


def honest_citizen(world: World, rec: Recorder, i: int, plan: Plan, start: float) -> None:
    rng = random.Random(plan.seed * 1000 + i)
    time.sleep(max(0.0, start + rng.uniform(0, plan.spread) - time.monotonic()))
    phone = Browser(world.server.port, address=rng.choice(CARRIER_NATS))
    counter = rng.choice(COUNTERS[: max(1, plan.counters)])
    taps = 2 if rng.random() < plan.double_tap_share else 1
    path = f"/q/{counter}"
    if rng.random() < plan.ticket_share:
        # The one-stop-shop software issues a ticket when it prints the receipt; the citizen scans it.
        office = Browser(world.server.port)
        staff = f"CB{rng.randint(1, 8):04d}"
        reply = office.post(
            "/api/v1/tickets",
            json={"counter": counter, "staff": staff},
            headers={"Authorization": f"Bearer {world.api_key}", "Accept": "application/json"},
        )
        rec.request("api", "POST /api/v1/tickets", reply)
        if reply.status != 201:
            return
        path = path_of(reply.json()["url"])
    fill_and_send(phone, path, HONEST, rec, _answers(rng), taps=taps, pause=lambda: time.sleep(rng.uniform(0.5, 3)))


def honest_kiosk_users(world: World, rec: Recorder, plan: Plan, interval: float) -> None:
    kiosk = enrol_kiosk(world, HONEST_KIOSK_COUNTER, rec, HONEST_KIOSK)
    rng = random.Random(plan.seed * 7)
    for n in range(plan.honest_kiosk):
        if n:
            time.sleep(interval)
        kiosk_answer(kiosk, HONEST_KIOSK_COUNTER, HONEST_KIOSK, rec, _answers(rng))


def enrol_kiosk(world: World, counter: str, rec: Recorder, pattern: str) -> Browser:
    """Open the enrolment link on the tablet and confirm it, as the administrator does."""
    tablet = Browser(world.server.port, address=KIOSK_ADDRESS)
    link = path_of(world.kiosk_links[counter])
    page = rec.request(pattern, "GET /k/enrol", tablet.get(link))
    rec.request(pattern, "POST /k/enrol", tablet.post(link, form={"csrf_token": page.hidden().get("csrf_token", "")}))
    if "fbk_kiosk" not in tablet.cookies:
        raise LiveError(f"kiosk enrolment at {counter} set no cookie")
    return tablet


def kiosk_answer(tablet: Browser, counter: str, pattern: str, rec: Recorder, answers: dict[str, str]) -> None:
    submission_id = str(uuid.uuid4())
    reply = tablet.post(
        f"/k/{counter}/responses",
        json={"submission_id": submission_id, "answers": answers},
        headers={"X-Kiosk": "1", "Accept": "application/json"},
    )
    rec.request(pattern, f"POST /k/{counter}/responses", reply)
    rec.attempt(pattern, submission_id, reply, ok=(200, 201))


def stuffing_phone(world: World, rec: Recorder, plan: Plan, done: threading.Event) -> None:
    phone = Browser(world.server.port, address=STUFFER_NAT)
    try:
        for _ in range(plan.stuffing):
            fill_and_send(phone, f"/q/{STUFFED_COUNTER}", STUFF_PHONE, rec, _answers(random.Random(), honest=False))
    finally:
        done.set()


def stuffing_script(world: World, rec: Recorder, plan: Plan) -> None:
    script = Browser(world.server.port, address=SCRIPT_ADDRESS)
    for _ in range(plan.stuffing):
        script.forget()  # a new "device" every time
        fill_and_send(script, f"/q/{SCRIPTED_COUNTER}", STUFF_SCRIPT, rec, _answers(random.Random(), honest=False))


def self_rating(world: World, rec: Recorder, plan: Plan) -> None:
    for _staff, counter, address in SELF_RATING:
        phone = Browser(world.server.port, address=address)  # the staff member's phone on the office Wi-Fi
        for _ in range(plan.self_rating_each):
            fill_and_send(phone, f"/q/{counter}", SELF, rec, _answers(random.Random(), honest=False))
            time.sleep(0.5)


def kiosk_taps(world: World, rec: Recorder, plan: Plan) -> None:
    tablet = enrol_kiosk(world, KIOSK_COUNTER, rec, KIOSK_TAPS)
    for _ in range(plan.kiosk_taps):
        kiosk_answer(tablet, KIOSK_COUNTER, KIOSK_TAPS, rec, {"overall": "5"})


def neighbours(world: World, rec: Recorder, plan: Plan, after: threading.Event) -> None:
    after.wait(timeout=300)
    for i in range(plan.neighbours):
        rng = random.Random(plan.seed * 500 + i)
        phone = Browser(world.server.port, address=STUFFER_NAT)
        fill_and_send(phone, f"/q/{STUFFED_COUNTER}", NEIGHBOURS, rec, _answers(rng))


def play(world: World, plan: Plan, kiosk_interval: float = 6.5) -> Recorder:
    """Run every pattern at once; returns what each device sent and got."""
    rec = Recorder()
    start = time.monotonic()
    stuffed = threading.Event()
    jobs: list[Callable[[], None]] = [
        lambda i=i: honest_citizen(world, rec, i, plan, start)
        for i in range(plan.honest)  # type: ignore[misc]
    ]
    jobs += [
        lambda: honest_kiosk_users(world, rec, plan, kiosk_interval),
        lambda: stuffing_phone(world, rec, plan, stuffed),
        lambda: stuffing_script(world, rec, plan),
        lambda: self_rating(world, rec, plan),
        lambda: kiosk_taps(world, rec, plan),
        lambda: neighbours(world, rec, plan, stuffed),
    ]
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:  # reported, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=plan.spread + 300)
    if errors:
        raise LiveError(f"{len(errors)} simulated device(s) failed: {errors[:3]!r}")
    if any(thread.is_alive() for thread in threads):
        raise LiveError("the simulation did not finish in time")
    return rec


# --- what got flagged -------------------------------------------------------------------------


def read_flags(database_url: str, submission_ids: list[str]) -> dict[str, tuple[bool, set[str]]]:
    """submission id → (suspect, flag codes) of each stored response."""
    statement = text(
        "SELECT r.submission_id, r.suspect, f.code FROM response r"
        " LEFT JOIN response_flag f ON f.response_id = r.id WHERE r.submission_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    found: dict[str, tuple[bool, set[str]]] = {}
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            for submission_id, suspect, code in conn.execute(statement, {"ids": submission_ids or ["-"]}):
                _suspect, codes = found.setdefault(submission_id, (bool(suspect), set()))
                if code:
                    codes.add(code)
    finally:
        engine.dispose()
    return found


def measure(world: World, rec: Recorder, plan: Plan, db: str, seconds: float) -> Report:
    rows = {pattern: Row(pattern) for pattern in PATTERNS}
    problems: list[str] = []
    stored = read_flags(world.database_url, sorted({a.submission_id for a in rec.attempts}))
    acknowledged: dict[str, set[str]] = {pattern: set() for pattern in PATTERNS}
    for attempt in rec.attempts:
        row = rows[attempt.pattern]
        row.submits += 1
        row.statuses[attempt.status] += 1
        if attempt.acknowledged:
            acknowledged[attempt.pattern].add(attempt.submission_id)
        else:
            row.blocked += 1
    for pattern, ids in acknowledged.items():
        row = rows[pattern]
        for submission_id in ids:
            if submission_id not in stored:
                problems.append(f"{pattern}: acknowledged submission {submission_id} was not stored")
                continue
            suspect, codes = stored[submission_id]
            row.stored += 1
            row.flagged += suspect
            row.codes.update(codes)
            if suspect != bool(codes):
                problems.append(f"{pattern}: response {submission_id} has suspect={suspect} but flags {codes}")
    for pattern, what, status in rec.requests:
        if status >= 500:
            problems.append(f"{pattern}: {what} answered {status}")
    honest = [(p, what, status) for p, what, status in rec.requests if p in HONEST_PATTERNS or p == "api"]
    refused = [
        f"{p}: {what} answered {status}"
        for p, what, status in honest
        if status not in (200, 201, 303) or (what.startswith("POST /q/") and status != 303)
    ]
    return Report(db, plan, rows, problems, len(honest), refused, limiter_keys(), seconds)


def render(report: Report) -> str:
    header = ("pattern", "submits", "stored", "flagged", "flag rate", "blocked", "flags")
    lines = []
    for pattern in PATTERNS:
        row = report.rows[pattern]
        codes = ", ".join(f"{code} {n}" for code, n in sorted(row.codes.items())) or "-"
        lines.append(
            (pattern, str(row.submits), str(row.stored), str(row.flagged), f"{row.rate:.1f} %", str(row.blocked), codes)
        )
    widths = [max(len(cell) for cell in column) for column in zip(header, *lines, strict=True)]

    def fmt(cells: tuple[str, ...]) -> str:
        padded = (c.rjust(w) if 0 < i < 6 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(padded).rstrip()

    honest = [report.rows[p] for p in (HONEST, HONEST_KIOSK)]
    stored = sum(r.stored for r in honest)
    flagged = sum(r.flagged for r in honest)
    near = report.rows[NEIGHBOURS]
    out = [
        f"db: {report.db}; {report.plan.honest} honest devices at {min(report.plan.counters, len(COUNTERS))} "
        f"counter(s) over {report.plan.spread:.0f} s behind {len(CARRIER_NATS)} carrier-NAT addresses; "
        f"rate limits on (Redis, {report.limiter_keys} limiter keys); {report.seconds:.0f} s",
        fmt(header),
        "  ".join("-" * w for w in widths),
        *(fmt(line) for line in lines),
        "",
        f"honest responses wrongly flagged: {flagged} of {stored} ({100.0 * flagged / stored if stored else 0:.1f} %);"
        f" behind the stuffer's NAT at its counter, right after the burst: {near.flagged} of {near.stored}",
        f"honest requests blocked or refused: {len(report.honest_refused)} of {report.honest_requests}",
    ]
    out += [f"  {line}" for line in report.honest_refused[:10]]
    out += [f"NOTE {line}" for line in report.notes]
    out += [f"FAIL {line}" for line in report.problems[:20]]
    return "\n".join(out)


def simulate(db: str, tmp: Path, plan: Plan, database_url: str | None = None) -> Report:
    """Set up a fresh world on ``db`` (sqlite, or postgres at ``database_url``), play ``plan``, measure."""
    if db == "sqlite":
        url = "sqlite:///" + str(tmp / "feedback.sqlite3")
    else:
        url = create_postgres(database_url or DEFAULT_PG_URL)
    world = None
    try:
        world = start_world(url, tmp)
        started = time.monotonic()
        rec = play(world, plan)
        report = measure(world, rec, plan, db, time.monotonic() - started)
        report.notes += world.notes
        if "Traceback" in world.server.log():
            report.problems.append("the server logged a traceback:\n" + world.server.log()[-3000:])
        return report
    finally:
        if world is not None:
            world.server.stop()
        if db == "postgres":
            drop_postgres(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--honest", type=int, default=Plan.honest, help="honest devices (default 60)")
    parser.add_argument("--spread", type=float, default=Plan.spread, help="seconds honest arrivals spread over")
    parser.add_argument(
        "--counters",
        type=int,
        default=len(COUNTERS),
        help=f"honest citizens use the first N of {len(COUNTERS)} counters",
    )
    parser.add_argument("--seed", type=int, default=Plan.seed)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_GAMING_DATABASE_URL", DEFAULT_PG_URL),
        help="PostgreSQL database to drop and recreate (its name must contain 'bench')",
    )
    args = parser.parse_args(argv)
    if args.db == "postgres" and "bench" not in (make_url(args.pg_url).database or ""):
        print(f"FAIL refusing to drop {args.pg_url}: the database name must contain 'bench'", file=sys.stderr)
        return 2
    plan = Plan(honest=args.honest, spread=args.spread, counters=args.counters, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="feedback-gaming-") as tmp:
        try:
            report = simulate(args.db, Path(tmp), plan, args.pg_url)
        except LiveError as exc:
            print(f"FAIL {exc}", file=sys.stderr)
            return 1
    print(render(report))
    return 1 if report.problems or report.honest_refused else 0


if __name__ == "__main__":
    sys.exit(main())
