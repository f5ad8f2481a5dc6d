"""Scale benchmark of the KPI summaries: millions of responses, the KPI API against a raw GROUP BY, the export.

    .venv/bin/python bench/kpi_scale.py [--db sqlite|postgres|both] [--responses 10000000] [--export-rows 1000000]

For each database it builds a fresh one (``flask db upgrade``), bulk-loads a generated province
(200 units, 600 counters, 3,000 staff, 300 services) and two years of responses on the default
survey, builds the daily summaries with ``flask kpi rebuild``, then times in the same run:

- the KPI API, one month grouped by staff, through gunicorn with an API key (median of 5 warm calls),
  and the same call in-process (Flask test client: the server-side time, with its SQL time);
- the same aggregation as a plain SQL GROUP BY over the raw responses and answers (median of 3);
- ``flask responses export`` of a date range holding about ``--export-rows`` responses to CSV, with
  the process's peak RSS.

Targets (the issue's acceptance): KPI / raw GROUP BY <= 0.1, the KPI call < 0.5 s, the export's peak
memory < 100 MB. A missed target prints ``TARGET MISSED`` but does not fail the run; a failed check
(a command that fails, KPI rows that disagree with the raw GROUP BY) prints ``FAIL`` and exits 1.
Everything printed is also written as JSON to bench/results/ (git-ignored). See bench/README.md.
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
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from calendar import monthrange
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from feedback.models._types import UTCDateTime  # noqa: E402
from feedback.services.demo import demo_working_day  # noqa: E402
from feedback.services.text import fold  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/feedback_scale"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
RATIO_TARGET = 0.1
KPI_TARGET_S = 0.5
EXPORT_TARGET_MB = 100.0
KPI_CALLS = 5
RAW_RUNS = 3
CHUNK = 100_000  # responses per insert batch

# Bulk-loaded tables: their secondary indexes are dropped during the load and recreated from their
# own definitions afterwards, so the schema ends exactly as `db upgrade` made it.
LOADED = ("response", "answer", "response_flag")
RESPONSE_COLUMNS = (
    "id",
    "receipt",
    "submission_id",
    "channel",
    "unit_id",
    "counter_id",
    "staff_id",
    "staff_attribution",
    "service_id",
    "version_id",
    "kiosk_device_id",
    "ip_hash",
    "device_hash",
    "suspect",
    "submitted_at",
    "language",
    "comment",
    "comment_folded",
    "status",
    "excluded_reason",
    "excluded_by",
    "excluded_at",
    "updated_at",
)
ANSWER_COLUMNS = ("id", "response_id", "question_id", "value_int", "value_text")
FLAG_COLUMNS = ("id", "response_id", "code", "reason")


class BenchFailure(RuntimeError):
    """The benchmark could not run (a command failed, a server did not start)."""


# --- the directory ---------------------------------------------------------------------------

AGENCIES = (
    ("STP", "Sở Tư pháp", "Department of Justice"),
    ("SXD", "Sở Xây dựng", "Department of Construction"),
    ("STC", "Sở Tài chính", "Department of Finance"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"),
    ("SCT", "Sở Công Thương", "Department of Industry and Trade"),
    ("SYT", "Sở Y tế", "Department of Health"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("SNV", "Sở Nội vụ", "Department of Home Affairs"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism"),
    ("SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology"),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", "Department of Ethnic and Religious Affairs"),
    ("SNGV", "Sở Ngoại vụ", "Department of Foreign Affairs"),
    ("CA", "Công an tỉnh", "Provincial Police"),
    ("BHXH", "Bảo hiểm xã hội tỉnh", "Provincial Social Insurance"),
    ("THUE", "Thuế tỉnh", "Provincial Tax Office"),
    ("TTR", "Thanh tra tỉnh", "Provincial Inspectorate"),
    ("BQLKKT", "Ban Quản lý Khu kinh tế", "Economic Zone Authority"),
    ("VPDKDD", "Văn phòng Đăng ký đất đai", "Land Registration Office"),
    ("KBNN", "Kho bạc Nhà nước khu vực", "State Treasury"),
)
PLACE_WORDS = "An Bình Cam Diên Đông Hòa Khánh Lâm Long Minh Ninh Phú Phước Sơn Tân Thạnh Thuận Trung Vĩnh Xuân".split()
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Minh", "Thu", "Ngọc", "Quốc", "Thanh", "Hữu", "Đức", "Thị Thu", "Hoài", "Công")
GIVEN = "An Bình Chi Dũng Hà Hải Hạnh Hùng Hương Khoa Lan Linh Long Mai Nam Nga Phong Phương Quân Sơn Tâm Thảo".split()
WARD_FIELDS = (
    "Hộ tịch",
    "Chứng thực",
    "Đất đai",
    "Xây dựng",
    "Kinh doanh",
    "Lao động, người có công",
    "Bảo trợ xã hội",
)
COMMENTS = {
    "vi": (
        "Cán bộ hướng dẫn tận tình, chu đáo. Cảm ơn!",
        "Thủ tục nhanh gọn, chỉ khoảng 15 phút là xong.",
        "Phải chờ hơi lâu, mong bố trí thêm quầy vào buổi sáng.",
        "Nhân viên vui vẻ, giải thích rõ ràng, dễ hiểu.",
        "Máy lấy số hay bị lỗi, phải hỏi lại bảo vệ.",
        "Hồ sơ phải bổ sung nhiều lần, chưa được hướng dẫn một lần cho đủ.",
        "Phòng chờ mát, sạch sẽ, có nước uống.",
        "Can bo nhiet tinh, cam on",
    ),
    "en": ("Friendly and quick, thank you.", "The wait was long.", "Clear explanation of the fees."),
}
EXCLUDE_REASONS = ("Cán bộ thử mã QR khi lắp đặt quầy", "Trùng lặp: công dân gửi hai lần", "Người dân bấm nhầm quầy")
FLAGS = (
    ("burst", "3 responses from one device within 10 minutes"),
    ("repeat_device", "the same device answered for this counter earlier today"),
    ("internal_network", "sent from the unit's internal network"),
)
WEEKDAY_LOAD = (1.4, 1.1, 1.0, 1.0, 0.9)
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_PAIRS = [RECEIPT_ALPHABET[i >> 5] + RECEIPT_ALPHABET[i & 31] for i in range(1024)]


@dataclass
class Directory:
    units: list[tuple] = field(default_factory=list)  # id, code, name_vi, name_en, parent_id, kind
    counters: list[tuple] = field(default_factory=list)  # id, code, unit_id, label_vi, label_en
    staff: list[tuple] = field(default_factory=list)  # id, code, full_name, unit_id, position, email
    services: list[tuple] = field(default_factory=list)  # id, code, name_vi, name_en, field
    kiosks: list[tuple] = field(default_factory=list)  # id, counter_id, name
    # For the generator, by counter position:
    weight: list[float] = field(default_factory=list)
    roster: list[list[int]] = field(default_factory=list)
    offers: list[tuple[list[int], list[float]]] = field(default_factory=list)  # service ids, cumulative weights
    kiosk_of: list[int | None] = field(default_factory=list)
    timeliness: list[float] = field(default_factory=list)
    unit_effect: dict[int, float] = field(default_factory=dict)
    staff_effect: dict[int, tuple[float, float]] = field(default_factory=dict)
    ip_pool: dict[int, list[str]] = field(default_factory=dict)


def _zipf(n: int, s: float = 1.1) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


def build_directory(rng: random.Random) -> Directory:
    """A province of 200 units: the root, a service centre and 19 agencies, 179 wards and communes."""
    d = Directory()
    d.units.append((1, "TINH", "UBND tỉnh Bình Sơn", "Bình Sơn Provincial People's Committee", None, "province"))
    d.units.append(
        (2, "TINH-TTHCC", "Trung tâm Phục vụ hành chính công tỉnh", "Public Administration Service Centre", 1, "centre")
    )
    for i, (code, vi, en) in enumerate(AGENCIES):
        d.units.append((3 + i, f"TINH-{code}", vi, en, 1, "agency"))
    places = [f"{a} {b}" for a in PLACE_WORDS for b in PLACE_WORDS if a != b]
    rng.shuffle(places)
    for i in range(179):
        kind = "ward" if i % 3 == 0 else "commune"
        word_vi, word_en = ("phường", "Ward") if kind == "ward" else ("xã", "Commune")
        d.units.append(
            (
                22 + i,
                f"TINH-{'P' if kind == 'ward' else 'X'}{i + 1:03d}",
                f"UBND {word_vi} {places[i]}",
                f"{places[i]} {word_en} People's Committee",
                1,
                kind,
            )
        )
    for unit in d.units:
        d.unit_effect[unit[0]] = rng.gauss(0, 0.2)
        d.ip_pool[unit[0]] = [f"{rng.getrandbits(128):032x}" for _ in range(40)]

    # 300 services: 80 that wards and communes handle, and the rest split among the agencies.
    for i in range(300):
        ward_service = i < 80
        area = WARD_FIELDS[i % len(WARD_FIELDS)] if ward_service else AGENCIES[(i - 80) % len(AGENCIES)][1]
        code = f"{1 + i % 2}.{1000 + i * 37:06d}"
        d.services.append((1 + i, code, f"Thủ tục {area.lower()} số {i + 1}", f"Procedure {i + 1}", area))
    ward_services = list(range(1, 81))
    agency_services = {a: [1 + i for i in range(80, 300) if (i - 80) % len(AGENCIES) == a] for a in range(19)}

    # 600 counters: 45 at the centre (staffed by agencies), 5 per agency, 2 or 3 per ward/commune.
    plan: list[tuple[int, int | None]] = [(2, c % 19) for c in range(45)]  # (unit id, agency index or None)
    plan += [(3 + a, a) for a in range(19) for _ in range(5)]
    plan += [(22 + i, None) for i in range(179) for _ in range(3 if i < 102 else 2)]
    per_unit: dict[int, int] = defaultdict(int)
    staff_id = 0
    for position, (unit_id, agency) in enumerate(plan):
        per_unit[unit_id] += 1
        number = per_unit[unit_id]
        unit_code = d.units[unit_id - 1][1]
        counter_id = position + 1
        label = f"Quầy {number:02d}"
        d.counters.append((counter_id, f"{unit_code}-Q{number:02d}", unit_id, label, f"Counter {number:02d}"))
        home = unit_id if agency is None or unit_id != 2 else 3 + agency  # centre staff belong to their agency
        roster = []
        for _ in range(5):
            staff_id += 1
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            d.staff.append(
                (staff_id, f"CB{staff_id:05d}", name, home, "Chuyên viên", f"cb{staff_id:05d}@example.gov.vn")
            )
            poor = rng.random() < 0.03
            d.staff_effect[staff_id] = (rng.gauss(0, 0.25), -0.9 if poor else rng.gauss(0, 0.2))
            roster.append(staff_id)
        d.roster.append(roster)
        if unit_id == 2:
            weight = 3.0
        elif agency is not None:
            weight = 1.0
        else:
            weight = rng.lognormvariate(0, 0.5)
        d.weight.append(weight)
        offered = agency_services[agency] if agency is not None else rng.sample(ward_services, 25)
        d.offers.append((offered, list(accumulate(_zipf(len(offered))))))
        d.timeliness.append(rng.gauss(0, 0.25))
        if unit_id == 2 or position % 3 == 0:
            d.kiosks.append((len(d.kiosks) + 1, counter_id, f"Kiosk {label}"))
            d.kiosk_of.append(len(d.kiosks))
        else:
            d.kiosk_of.append(None)
    # A colleague from the next counter of the same unit covers some shifts: rosters overlap.
    for position, (_id, _code, unit_id, *_rest) in enumerate(d.counters):
        neighbour = position + 1
        if neighbour < len(d.counters) and d.counters[neighbour][2] == unit_id:
            d.roster[position].append(d.roster[neighbour][0])
    assert len(d.units) == 200 and len(d.counters) == 600 and len(d.staff) == 3000 and len(d.services) == 300
    return d


# --- the calendar ----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, 1)


def plan_days(first: date, last: date, total: int) -> list[tuple[date, int]]:
    """Working days from first to last with how many responses each gets (exactly ``total`` in all).

    Mondays are busiest, Fridays quietest, and use grows over the two years (0.75 to 1.25).
    """
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    days = [d for d in days if demo_working_day(d)]
    span = max(1, len(days) - 1)
    weights = [WEEKDAY_LOAD[d.weekday()] * (0.75 + 0.5 * i / span) for i, d in enumerate(days)]
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(days)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return list(zip(days, counts, strict=True))


# --- the responses ---------------------------------------------------------------------------


@dataclass
class Survey:
    version_id: int
    questions: list[tuple[int, str, bool]]  # question id, dimension, required (rating questions only)


def _level(value: float) -> int:
    return 1 if value < 1.5 else 5 if value >= 4.5 else int(value + 0.5)


def receipt_of(response_id: int) -> str:
    """8 Crockford base32 characters from a bijection of the 40-bit space: unique and random-looking."""
    x = (response_id * 0x5DEECE66D + 0x2545F491) & 0xFFFFFFFFFF
    return (
        RECEIPT_PAIRS[x >> 30]
        + RECEIPT_PAIRS[(x >> 20) & 1023]
        + RECEIPT_PAIRS[(x >> 10) & 1023]
        + RECEIPT_PAIRS[x & 1023]
    )


def generate(
    d: Directory, survey: Survey, days: list[tuple[date, int]], seed: int, stamp: Callable[[str], str]
) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
    """Yield (responses, answers, flags) row tuples, one working day at a time, ids following time.

    ``stamp`` turns "YYYY-MM-DD HH:MM:SS.ffffff" (UTC) into the literal the database takes.
    """
    rng = random.Random(seed)
    rnd, gauss, getrandbits, choices = rng.random, rng.gauss, rng.getrandbits, rng.choices
    positions = range(len(d.counters))
    cum_weight = list(accumulate(d.weight))
    counter_unit = [c[2] for c in d.counters]
    counter_id = [c[0] for c in d.counters]
    comments_vi, comments_en = COMMENTS["vi"], COMMENTS["en"]
    folded = {c: fold(c) for pool in COMMENTS.values() for c in pool}  # as a submit stores it, for search
    response_id = answer_id = flag_id = 0
    base = 4.1
    for day, count in days:
        iso = day.isoformat()
        shifts = [(rng.choice(r), rng.choice(r)) for r in d.roster]
        drawn = choices(positions, cum_weights=cum_weight, k=count)
        moments = []
        for position in drawn:
            # Office hours 07:30-11:30 and 13:30-17:00 local (UTC+7), busier early in each half.
            if rnd() < 0.6:
                second = int(rng.triangular(27_000, 41_400, 32_760)) - 25_200
                half = 0
            else:
                second = int(rng.triangular(48_600, 61_200, 53_640)) - 25_200
                half = 1
            moments.append((second, getrandbits(20) % 1_000_000, position, half))
        moments.sort()
        responses, answers, flags = [], [], []
        for second, micro, position, half in moments:
            response_id += 1
            unit_id = counter_unit[position]
            minute, sec = divmod(second, 60)
            at = f"{iso} {minute // 60:02d}:{minute % 60:02d}:{sec:02d}.{micro:06d}"
            kiosk = d.kiosk_of[position]
            if kiosk is not None and rnd() < 0.25:
                channel, device, staff_known, service_known = "kiosk", kiosk, 0.95, 0.9
            else:
                channel, device, staff_known, service_known = "counter", None, 0.8, 0.8
            staff = shifts[position][half]
            if rnd() < staff_known:
                attribution = "signed_in" if channel == "kiosk" or rnd() < 0.75 else "citizen_choice"
            else:
                staff, attribution = None, "none"
            service = None
            if rnd() < service_known:
                offered, cum = d.offers[position]
                service = offered[bisect_left(cum, rnd() * cum[-1])]
            effect, attitude_effect = d.staff_effect[staff or d.roster[position][0]]
            core = base + d.unit_effect[unit_id] + effect + gauss(0, 0.6)
            if rnd() < 0.02:  # a bad day that has nothing to do with the counter
                core -= 2.5
            attitude = core + attitude_effect + gauss(0, 0.45)
            timeliness = core + d.timeliness[position] + gauss(0, 0.55)
            ease = core + gauss(0, 0.5)
            transparency = core + 0.05 + gauss(0, 0.5)
            overall = 0.5 * core + 0.125 * (attitude + timeliness + ease + transparency) + gauss(0, 0.3)
            levels = {
                "overall": _level(overall),
                "attitude": _level(attitude),
                "timeliness": _level(timeliness),
                "ease": _level(ease),
                "transparency": _level(transparency),
            }
            hurried = rnd() < 0.08
            for question_id, dimension, required in survey.questions:
                if not required and (hurried or rnd() < 0.06):
                    continue
                answer_id += 1
                answers.append((answer_id, response_id, question_id, levels.get(dimension, levels["overall"]), None))
            english = rnd() < 0.03
            comment = None
            if rnd() < 0.1:
                comment = rng.choice(comments_en if english else comments_vi)
            submitted = stamp(at)
            status, reason, by, excluded_at, updated = "valid", None, None, None, submitted
            if rnd() < 0.003:  # a manager excluded it a few days later
                later = datetime.fromisoformat(at) + timedelta(days=1 + rnd() * 4)
                status, reason, by = "excluded", rng.choice(EXCLUDE_REASONS), "quanly@example.gov.vn"
                excluded_at = updated = stamp(later.strftime("%Y-%m-%d %H:%M:%S.%f"))
            suspect = rnd() < 0.015
            if suspect:
                flag_id += 1
                code, why = FLAGS[flag_id % len(FLAGS)]
                flags.append((flag_id, response_id, code, why))
            h = f"{getrandbits(128):032x}"
            responses.append(
                (
                    response_id,
                    receipt_of(response_id),
                    f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}",
                    channel,
                    unit_id,
                    counter_id[position],
                    staff,
                    attribution,
                    service,
                    survey.version_id,
                    device,
                    rng.choice(d.ip_pool[unit_id]),
                    f"{getrandbits(128):032x}",
                    suspect,
                    submitted,
                    "en" if english else "vi",
                    comment,
                    folded.get(comment),
                    status,
                    reason,
                    by,
                    excluded_at,
                    updated,
                )
            )
        yield responses, answers, flags


# --- loading ---------------------------------------------------------------------------------


def _placeholders(kind: str, n: int) -> str:
    return ", ".join(["?" if kind == "sqlite" else "%s"] * n)


def _directory_rows(d: Directory, now: str) -> list[tuple[str, tuple[str, ...], list[tuple]]]:
    return [
        (
            "unit",
            ("id", "code", "name_vi", "name_en", "parent_id", "kind", "active", "created_at", "updated_at"),
            [(*u, True, now, now) for u in d.units],
        ),
        (
            "service",
            ("id", "code", "name_vi", "name_en", "field", "active", "created_at", "updated_at"),
            [(*s, True, now, now) for s in d.services],
        ),
        (
            "counter",
            ("id", "code", "unit_id", "label_vi", "label_en", "active", "created_at", "updated_at"),
            [(*c, True, now, now) for c in d.counters],
        ),
        (
            "staff",
            ("id", "code", "full_name", "unit_id", "position", "email", "active", "created_at", "updated_at"),
            [(*s, True, now, now) for s in d.staff],
        ),
        (
            "kiosk_device",
            ("id", "counter_id", "name", "enrol_expires_at", "secret_hash", "enrolled_at", "created_at"),
            [(k[0], k[1], k[2], now, f"{k[0]:064x}", now, now) for k in d.kiosks],
        ),
    ]


def _survey(cursor) -> Survey:  # noqa: ANN001
    cursor.execute(
        "SELECT v.id FROM survey_version v JOIN survey_template t ON t.id = v.template_id"
        " WHERE t.code = 'default' AND v.active ORDER BY v.number DESC LIMIT 1"
    )
    row = cursor.fetchone()
    if row is None:
        raise BenchFailure("the default survey is missing after db upgrade")
    version_id = row[0]
    cursor.execute(
        "SELECT id, dimension, required FROM question WHERE version_id = "
        + str(int(version_id))
        + " AND type IN ('rating5', 'rating3') AND dimension IS NOT NULL ORDER BY position"
    )
    return Survey(version_id, [(q, dim, bool(req)) for q, dim, req in cursor.fetchall()])


@dataclass
class LoadStats:
    responses: int = 0
    answers: int = 0
    flags: int = 0
    insert_s: float = 0.0
    index_s: float = 0.0
    analyze_s: float = 0.0


def _progress(kind: str, done: int, total: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed else 0
    print(f"[{kind}]   {done:>11,} / {total:,} responses, {elapsed:6.0f} s, {rate:,.0f}/s", flush=True)


def load_sqlite(path: Path, d: Directory, days: list[tuple[date, int]], total: int, seed: int) -> LoadStats:
    """Bulk-load with the sqlite3 module on a connection of its own.

    Only this generation connection runs with ``journal_mode=OFF`` and ``synchronous=OFF`` (no
    rollback journal, no fsync: a crash mid-load leaves a broken file, which a benchmark can
    afford); the app's own connections keep WAL and synchronous=FULL. The secondary indexes of
    the loaded tables are dropped first and recreated from their stored SQL afterwards. Like a
    real deployment, where nothing runs ANALYZE, the file gets no planner statistics.
    """
    stats = LoadStats()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "cache_size=-1500000",
            "temp_store=MEMORY",
            "locking_mode=EXCLUSIVE",
        ):
            conn.execute(f"PRAGMA {pragma}")
        cur = conn.cursor()
        names = ", ".join(f"'{t}'" for t in LOADED)
        indexes = cur.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({names}) AND sql IS NOT NULL"
        ).fetchall()
        survey = _survey(cur)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        cur.execute("BEGIN")
        for table, columns, rows in _directory_rows(d, now):
            cur.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders('sqlite', len(columns))})", rows
            )
        for name, _sql in indexes:
            cur.execute(f"DROP INDEX {name}")
        cur.execute("COMMIT")
        started = time.perf_counter()
        insert_response = (
            f"INSERT INTO response ({', '.join(RESPONSE_COLUMNS)})"
            f" VALUES ({_placeholders('sqlite', len(RESPONSE_COLUMNS))})"
        )
        insert_answer = f"INSERT INTO answer ({', '.join(ANSWER_COLUMNS)}) VALUES (?, ?, ?, ?, ?)"
        insert_flag = f"INSERT INTO response_flag ({', '.join(FLAG_COLUMNS)}) VALUES (?, ?, ?, ?)"
        batch: tuple[list, list, list] = ([], [], [])
        reported = 0

        def flush() -> None:
            cur.execute("BEGIN")
            cur.executemany(insert_response, batch[0])
            cur.executemany(insert_answer, batch[1])
            cur.executemany(insert_flag, batch[2])
            cur.execute("COMMIT")
            stats.responses += len(batch[0])
            stats.answers += len(batch[1])
            stats.flags += len(batch[2])
            for part in batch:
                part.clear()

        for responses, answers, flags in generate(d, survey, days, seed, lambda at: at):
            batch[0].extend(responses)
            batch[1].extend(answers)
            batch[2].extend(flags)
            if len(batch[0]) >= CHUNK:
                flush()
                if stats.responses - reported >= 1_000_000:
                    reported = stats.responses
                    _progress("sqlite", stats.responses, total, started)
        flush()
        stats.insert_s = time.perf_counter() - started
        print(f"[sqlite] recreating {len(indexes)} indexes", flush=True)
        started = time.perf_counter()
        for _name, sql in indexes:
            cur.execute(sql)
        stats.index_s = time.perf_counter() - started
        conn.execute("PRAGMA journal_mode=WAL")  # as the app leaves the file
    finally:
        conn.close()
    return stats


def _pg_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def load_postgres(url: str, d: Directory, days: list[tuple[date, int]], total: int, seed: int) -> LoadStats:
    """Bulk-load with psycopg's COPY on a connection of its own.

    That connection sets ``synchronous_commit=off`` and ``session_replication_role=replica`` (no
    foreign-key triggers during the load: the generator only writes ids that exist), and a large
    ``maintenance_work_mem`` for the index builds. The unique constraints and indexes of the loaded
    tables are dropped first and recreated from their own definitions afterwards. Then VACUUM
    ANALYZE, which autovacuum would do on a live server.
    """
    import psycopg

    stats = LoadStats()
    with psycopg.connect(_pg_conninfo(url), autocommit=True) as conn:
        for setting in (
            "synchronous_commit = off",
            "session_replication_role = replica",
            "maintenance_work_mem = '1GB'",
        ):
            conn.execute(f"SET {setting}")
        cur = conn.cursor()
        survey = _survey(cur)
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
        with conn.transaction():
            for table, columns, rows in _directory_rows(d, now):
                cur.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_placeholders('pg', len(columns))})", rows
                )
        tables = list(LOADED)
        constraints = cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
            (tables,),
        ).fetchall()
        backing = [c[1] for c in constraints]
        indexes = cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s)"
            " AND indexname NOT LIKE 'pk\\_%%' AND NOT (indexname = ANY(%s))",
            (tables, backing),
        ).fetchall()
        for table, name, _definition in constraints:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        reported = 0
        batch: tuple[list, list, list] = ([], [], [])

        def flush() -> None:
            with conn.transaction():
                for table, columns, rows in zip(
                    LOADED, (RESPONSE_COLUMNS, ANSWER_COLUMNS, FLAG_COLUMNS), batch, strict=True
                ):
                    if not rows:
                        continue
                    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            stats.responses += len(batch[0])
            stats.answers += len(batch[1])
            stats.flags += len(batch[2])
            for part in batch:
                part.clear()

        for responses, answers, flags in generate(d, survey, days, seed, lambda at: at + "+00"):
            batch[0].extend(responses)
            batch[1].extend(answers)
            batch[2].extend(flags)
            if len(batch[0]) >= CHUNK:
                flush()
                if stats.responses - reported >= 1_000_000:
                    reported = stats.responses
                    _progress("postgres", stats.responses, total, started)
        flush()
        stats.insert_s = time.perf_counter() - started
        print(f"[postgres] recreating {len(constraints)} unique constraints and {len(indexes)} indexes", flush=True)
        started = time.perf_counter()
        for table, name, definition in constraints:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            cur.execute(definition)
        for table in ("unit", "service", "counter", "staff", "kiosk_device", *LOADED):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        stats.index_s = time.perf_counter() - started
        started = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        stats.analyze_s = time.perf_counter() - started
    return stats


def fresh_postgres(url: str) -> None:
    """Drop and recreate the database named in ``url`` (its name must say it is a benchmark's)."""
    parsed = make_url(url)
    name = parsed.database or ""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or not ("scale" in name or "bench" in name):
        raise BenchFailure(f"refusing to drop database {name!r}: its name must contain 'scale' or 'bench'")
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


# --- subprocesses ----------------------------------------------------------------------------


@dataclass
class Ran:
    seconds: float
    max_rss_mb: float
    stdout: str


# Runs a command and writes the peak RSS of its children (KB) to a file. The measured command is forked
# from this small process, not from the benchmark: on Linux a child's ru_maxrss starts at the RSS of the
# process it was forked from, which for the benchmark (after generating millions of rows) would hide
# the figure being measured.
RSS_WRAPPER = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(code)"
)


def flask(env: dict[str, str], *args: str) -> Ran:
    """Run ``flask --app wsgi ARGS``; its wall time, output and peak RSS (that process alone)."""
    with tempfile.TemporaryDirectory(prefix="kpi-scale-") as tmp:
        rss_path, out_path = Path(tmp) / "rss", Path(tmp) / "out"
        started = time.perf_counter()
        with open(out_path, "wb") as out:
            code = subprocess.call(
                [sys.executable, "-c", RSS_WRAPPER, str(rss_path), sys.executable, "-m", "flask", "--app", "wsgi"]
                + list(args),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        seconds = time.perf_counter() - started
        output = out_path.read_text("utf-8", "replace")
        max_rss_kb = int(rss_path.read_text() or 0) if rss_path.exists() else 0
    if code != 0:
        raise BenchFailure(f"flask {' '.join(args[:2])} exited {code}:\n{output[-3000:]}")
    return Ran(seconds, max_rss_kb / 1024, output)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """The app under gunicorn (one sync worker: the call is timed alone), on a loopback port."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"]
                + ["--timeout", "600", "--log-level", "warning", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchFailure(f"gunicorn exited {self.process.returncode}:\n{log_path.read_text()[-2000:]}")
            try:
                status, _body, _headers = self.get("/api/v1/openapi.json", {})
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchFailure("gunicorn did not answer within 60 s")

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, http.client.HTTPMessage]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, response.read(), response.headers
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# --- measurements ----------------------------------------------------------------------------


def local_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    low = datetime.combine(first, dtime.min, LOCAL).astimezone(UTC)
    high = datetime.combine(last + timedelta(days=1), dtime.min, LOCAL).astimezone(UTC)
    return low, high


# The staff aggregation straight from the raw rows, as plain SQL: per staff member the responses by status
# and flag, and per rating dimension n, sum of levels and satisfied answers. ``{scope}`` is either the
# key's unit subtree (for the root key: every unit), which is what the KPI call covers and lets both
# databases use ix_response_unit_submitted, or nothing, to show the plan each planner picks for the
# naive query on its own.
RAW_COUNTS = """
SELECT staff_id, status, suspect, count(*)
FROM response
WHERE {scope}submitted_at >= :low AND submitted_at < :high AND staff_id IS NOT NULL
GROUP BY staff_id, status, suspect
"""
RAW_DIMENSIONS = """
SELECT r.staff_id, q.dimension, q.type, count(*), sum(a.value_int),
       sum(CASE WHEN a.value_int >= (CASE WHEN q.type = 'rating5' THEN 4 ELSE 2 END) THEN 1 ELSE 0 END)
FROM response r
JOIN answer a ON a.response_id = r.id
JOIN question q ON q.id = a.question_id
WHERE {scope}r.submitted_at >= :low AND r.submitted_at < :high AND r.staff_id IS NOT NULL AND r.status = 'valid'
  AND q.type IN ('rating5', 'rating3') AND q.dimension IS NOT NULL AND a.value_int IS NOT NULL
GROUP BY r.staff_id, q.dimension, q.type
"""
SCOPED = "unit_id IN (SELECT id FROM unit) AND "


def _bind(sql: str):  # noqa: ANN202
    return text(sql).bindparams(bindparam("low", type_=UTCDateTime()), bindparam("high", type_=UTCDateTime()))


@dataclass
class Raw:
    seconds: list[float]
    plans: list[str]
    figures: dict[int, dict[str, Any]]


def raw_group_by(url: str, low: datetime, high: datetime, scoped: bool) -> Raw:
    """RAW_RUNS runs of the raw staff aggregation for [low, high): their times, plans and last figures."""
    from feedback.db import make_engine

    engine = make_engine(url)
    counts_sql = RAW_COUNTS.format(scope=SCOPED if scoped else "")
    dimensions_sql = RAW_DIMENSIONS.format(scope=("r." + SCOPED) if scoped else "")
    result = Raw([], [], {})
    try:
        with engine.connect() as conn:
            params = {"low": low, "high": high}
            explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            for sql in (counts_sql, dimensions_sql):
                rows = conn.execute(_bind(explain + sql), params).all()
                result.plans.append("\n".join(" | ".join(str(c) for c in row) for row in rows))
            for _ in range(RAW_RUNS):
                figures: dict[int, dict[str, Any]] = defaultdict(
                    lambda: {"valid": 0, "excluded": 0, "suspect": 0, "dimensions": {}}
                )
                started = time.perf_counter()
                counts = conn.execute(_bind(counts_sql), params).all()
                dimensions = conn.execute(_bind(dimensions_sql), params).all()
                result.seconds.append(time.perf_counter() - started)
                for staff_id, status, suspect, count in counts:
                    if status == "excluded":
                        figures[staff_id]["excluded"] += count
                    else:
                        figures[staff_id]["valid"] += count
                        figures[staff_id]["suspect"] += count if suspect else 0
                for staff_id, dimension, _type, n, total, satisfied in dimensions:
                    figures[staff_id]["dimensions"][dimension] = (int(n), int(total), int(satisfied))
                result.figures = dict(figures)
            conn.rollback()
    finally:
        engine.dispose()
    return result


def kpi_in_process(url: str, key: str, path: str) -> tuple[list[float], list[float], list[tuple[float, str]], int]:
    """The same KPI call through the Flask test client: server-side times, their SQL share, the slowest SQL."""
    from sqlalchemy import event

    from feedback import create_app

    app = create_app({"DATABASE_URL": url, "FEEDBACK_RATELIMIT_ENABLED": False, "SECRET_KEY": secrets.token_hex(32)})
    engine = app.extensions["feedback_db"].engine
    statements: list[tuple[float, str]] = []
    starts: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _before(*_args) -> None:  # noqa: ANN002
        starts.append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _after(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001, ANN002
        statements.append((time.perf_counter() - starts.pop(), " ".join(statement.split())[:160]))

    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    totals, sql_totals = [], []
    last: list[tuple[float, str]] = []
    status = 0
    try:
        for call in range(KPI_CALLS + 1):
            statements.clear()
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = time.perf_counter() - started
            status = response.status_code
            if call:  # the first call warms up
                totals.append(elapsed)
                sql_totals.append(sum(s for s, _ in statements))
                last = sorted(statements, reverse=True)[:6]
    finally:
        engine.dispose()
    return totals, sql_totals, last, status


def compare(kpi_rows: list[dict], raw: dict[int, dict], staff_codes: dict[int, str]) -> list[str]:
    """Differences between the KPI rows and the raw GROUP BY (n, excluded, suspect, each dimension's n)."""
    problems = []
    by_code = {r["key"]: r for r in kpi_rows}
    for staff_id, want in raw.items():
        code = staff_codes.get(staff_id)
        row = by_code.get(code)
        if row is None:
            problems.append(f"{code}: no KPI row")
            continue
        for name in ("valid", "excluded", "suspect"):
            got = row["n" if name == "valid" else name]
            if got != want[name]:
                problems.append(f"{code}: {name} {got} != raw {want[name]}")
        for dimension, (n, _total, _satisfied) in want["dimensions"].items():
            got_n = (row["dimensions"].get(dimension) or {}).get("n")
            if got_n != n:
                problems.append(f"{code}: {dimension}.n {got_n} != raw {n}")
    extra = [r["key"] for r in kpi_rows if r["n"] and r["key"] not in {staff_codes.get(s) for s in raw}]
    problems += [f"{code}: KPI row with n > 0 but no raw responses" for code in extra]
    return problems


# --- one database ----------------------------------------------------------------------------


@dataclass
class Row:
    db: str
    measure: str
    value: str
    target: str = ""
    result: str = ""


@dataclass
class DbResult:
    kind: str
    rows: list[Row] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _db_size(url: str, kind: str) -> float:
    if kind == "sqlite":
        path = Path(make_url(url).database or "")
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**30
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one() / 2**30
    finally:
        engine.dispose()


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def bench_database(kind: str, args: argparse.Namespace, workdir: Path) -> DbResult:
    result = DbResult(kind)
    detail = result.detail
    if kind == "sqlite":
        db_path = workdir / "scale.sqlite3"
        url = f"sqlite:///{db_path}"
    else:
        url = args.pg_url
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "FEEDBACK_ENV": "development",
            "FEEDBACK_RATELIMIT_ENABLED": "0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "FEEDBACK_INSTANCE_PATH": str(workdir / "instance"),
        }
    )
    last_month = args.end_month
    first_day = add_months(last_month, -(args.months - 1))
    last_day = date(last_month.year, last_month.month, monthrange(last_month.year, last_month.month)[1])
    days = plan_days(first_day, last_day, args.responses)
    detail["period"] = [first_day.isoformat(), last_day.isoformat()]
    detail["working_days"] = len(days)

    reuse = args.reuse and ((kind == "sqlite" and db_path.exists()) or (kind == "postgres" and _pg_exists(url)))
    if reuse and _count(url, "response") != args.responses:
        raise BenchFailure(f"--reuse: the {kind} database does not hold {args.responses:,} responses")
    if not reuse:
        if kind == "sqlite":
            for stale in workdir.glob("scale.sqlite3*"):
                stale.unlink()
        else:
            fresh_postgres(url)
        print(f"[{kind}] flask db upgrade", flush=True)
        flask(env, "db", "upgrade")
        directory = build_directory(random.Random(args.seed))
        print(
            f"[{kind}] generating {args.responses:,} responses over {len(days)} working days {first_day}..{last_day}",
            flush=True,
        )
        if kind == "sqlite":
            load = load_sqlite(db_path, directory, days, args.responses, args.seed)
        else:
            load = load_postgres(url, directory, days, args.responses, args.seed)
        detail["load"] = load.__dict__
        print(
            f"[{kind}] loaded {load.responses:,} responses, {load.answers:,} answers, {load.flags:,} flags:"
            f" insert {load.insert_s:.0f} s, indexes {load.index_s:.0f} s, analyze {load.analyze_s:.0f} s",
            flush=True,
        )
        rebuilds = []
        month = first_day
        print(f"[{kind}] flask kpi rebuild, one call per month", flush=True)
        started = time.perf_counter()
        while month <= last_month:
            end = date(month.year, month.month, monthrange(month.year, month.month)[1])
            ran = flask(env, "kpi", "rebuild", "--from", month.isoformat(), "--to", end.isoformat())
            rebuilds.append(
                {
                    "month": month.isoformat()[:7],
                    "seconds": ran.seconds,
                    "max_rss_mb": ran.max_rss_mb,
                    "output": ran.stdout.strip(),
                }
            )
            print(
                f"[{kind}]   {month:%Y-%m}: {ran.seconds:5.1f} s, peak RSS {ran.max_rss_mb:.0f} MB,"
                f" {ran.stdout.strip()}",
                flush=True,
            )
            month = add_months(month, 1)
        detail["rebuild"] = {"seconds": time.perf_counter() - started, "months": rebuilds}
        if kind == "postgres":
            started = time.perf_counter()
            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("VACUUM ANALYZE fact_answer_daily"))
                conn.execute(text("VACUUM ANALYZE fact_response_daily"))
            engine.dispose()
            detail["rebuild"]["analyze_s"] = time.perf_counter() - started
    detail["db_size_gb"] = _db_size(url, kind)
    detail["rows"] = {t: _count(url, t) for t in ("response", "answer", "fact_response_daily", "fact_answer_daily")}
    print(f"[{kind}] {detail['rows']}, {detail['db_size_gb']:.1f} GB", flush=True)

    detail["load_average_before"] = os.getloadavg()  # of the measurements, not of the load

    # The API key the KPI system would hold.
    created = flask(
        env,
        "apikeys",
        "create",
        f"bench-{secrets.token_hex(3)}",
        "--unit",
        "TINH",
        "--scopes",
        "kpi:read,responses:read",
    )
    key = created.stdout.strip().splitlines()[-1]

    # (a) The KPI API: the last month, grouped by staff.
    path = f"/api/v1/kpi?from={last_month.isoformat()}&to={last_day.isoformat()}&group_by=staff"
    print(f"[{kind}] KPI API GET {path}, 1 warm-up + {KPI_CALLS} calls through gunicorn", flush=True)
    server = Gunicorn(env, workdir / f"{kind}-gunicorn.log")
    http_times: list[float] = []
    body = b""
    try:
        for call in range(KPI_CALLS + 1):
            started = time.perf_counter()
            status, body, _headers = server.get(path, {"Authorization": f"Bearer {key}"})
            elapsed = time.perf_counter() - started
            if status != 200:
                raise BenchFailure(f"KPI API answered {status}: {body[:500]!r}")
            if call:
                http_times.append(elapsed)
    finally:
        server.stop()
    kpi_rows = json.loads(body)["rows"]
    kpi_http = _median(http_times)
    print(f"[{kind}] KPI API in-process (Flask test client), 1 warm-up + {KPI_CALLS} calls", flush=True)
    inproc, sql_times, slowest, status = kpi_in_process(url, key, path)
    if status != 200:
        result.failures.append(f"{kind}: in-process KPI call answered {status}")
    detail["kpi"] = {
        "path": path,
        "http_s": http_times,
        "in_process_s": inproc,
        "sql_s": sql_times,
        "slowest_sql": slowest,
        "rows": len(kpi_rows),
        "response_bytes": len(body),
    }

    # (b) The same aggregation as a plain GROUP BY over the raw rows.
    low, high = local_bounds(last_month, last_day)
    print(f"[{kind}] raw GROUP BY over response + answer for {last_month:%Y-%m}, {RAW_RUNS} runs each", flush=True)
    raw = raw_group_by(url, low, high, scoped=True)
    naive = raw_group_by(url, low, high, scoped=False)
    raw_median, naive_median = _median(raw.seconds), _median(naive.seconds)
    detail["raw"] = {
        "scoped_s": raw.seconds,
        "scoped_plans": raw.plans,
        "naive_s": naive.seconds,
        "naive_plans": naive.plans,
        "staff": len(raw.figures),
    }
    engine = create_engine(url)
    with engine.connect() as conn:
        staff_codes = dict(conn.execute(text("SELECT id, code FROM staff")).all())
    engine.dispose()
    problems = compare(kpi_rows, raw.figures, staff_codes)
    if raw.figures != naive.figures:
        problems.append("the scoped and naive raw queries disagree")
    if problems:
        result.failures.append(f"{kind}: KPI rows disagree with the raw GROUP BY: " + "; ".join(problems[:5]))

    # (c) The raw response export to CSV, over the last days that hold about --export-rows responses.
    export_days, export_rows = [], 0
    for day, count in reversed(days):
        if export_rows >= args.export_rows:
            break
        export_days.append(day)
        export_rows += count
    export_from, export_to = min(export_days), max(export_days)
    out = workdir / f"{kind}-export.csv"
    print(f"[{kind}] flask responses export --from {export_from} --to {export_to} (~{export_rows:,} rows)", flush=True)
    baseline = flask(env, "responses", "export", "--from", "2000-01-01", "--to", "2000-01-01", "-o", str(out))
    exported = flask(
        env, "responses", "export", "--from", export_from.isoformat(), "--to", export_to.isoformat(), "-o", str(out)
    )
    match = re.search(r": (\d+) responses", exported.stdout)
    written = int(match.group(1)) if match else -1
    size_mb = out.stat().st_size / 2**20
    out.unlink()
    detail["export"] = {
        "from": export_from.isoformat(),
        "to": export_to.isoformat(),
        "expected_rows": export_rows,
        "rows": written,
        "seconds": exported.seconds,
        "max_rss_mb": exported.max_rss_mb,
        "baseline_rss_mb": baseline.max_rss_mb,
        "file_mb": size_mb,
    }
    if written != export_rows:
        result.failures.append(f"{kind}: export wrote {written} rows, expected {export_rows}")

    detail["load_average_after"] = os.getloadavg()

    # The table.
    ratio = kpi_http / raw_median if raw_median else math.inf
    load = detail.get("load")
    if load:
        result.rows.append(
            Row(
                kind,
                f"generate + load {load['responses']:,} responses, {load['answers']:,} answers",
                f"{load['insert_s']:.0f} s + indexes {load['index_s']:.0f} s"
                + (f" + analyze {load['analyze_s']:.0f} s" if load["analyze_s"] else ""),
            )
        )
    rebuild = detail.get("rebuild")
    if rebuild:
        peak = max(m["max_rss_mb"] for m in rebuild["months"])
        result.rows.append(
            Row(
                kind,
                f"flask kpi rebuild ({len(rebuild['months'])} calls, one per month)",
                f"{rebuild['seconds']:.0f} s, peak RSS {peak:.0f} MB",
            )
        )
    rows = detail["rows"]
    result.rows.append(
        Row(
            kind,
            "summary rows (response / answer facts)",
            f"{rows['fact_response_daily']:,} / {rows['fact_answer_daily']:,}",
            "",
            f"db {detail['db_size_gb']:.1f} GB",
        )
    )
    met_time = kpi_http < KPI_TARGET_S
    met_ratio = ratio <= RATIO_TARGET
    result.rows.append(
        Row(
            kind,
            f"KPI API staff {last_month:%Y-%m} (HTTP, median of {KPI_CALLS})",
            f"{kpi_http:.3f} s",
            f"< {KPI_TARGET_S} s",
            "met" if met_time else "MISSED",
        )
    )
    result.rows.append(
        Row(
            kind,
            "  same call in-process (server side)",
            f"{_median(inproc):.3f} s",
            "",
            f"SQL {_median(sql_times):.3f} s",
        )
    )
    result.rows.append(
        Row(kind, f"raw GROUP BY, scoped to the key's units (median of {RAW_RUNS})", f"{raw_median:.3f} s")
    )
    result.rows.append(
        Row(kind, "KPI / raw GROUP BY", f"{ratio:.3f}", f"<= {RATIO_TARGET}", "met" if met_ratio else "MISSED")
    )
    result.rows.append(
        Row(
            kind,
            f"  raw GROUP BY, no unit filter (median of {RAW_RUNS})",
            f"{naive_median:.3f} s",
            "",
            f"KPI / this {kpi_http / naive_median:.3f}",
        )
    )
    met_mem = exported.max_rss_mb < EXPORT_TARGET_MB
    result.rows.append(
        Row(
            kind,
            f"export {written:,} rows to CSV ({size_mb:.0f} MB)",
            f"{exported.seconds:.0f} s, peak RSS {exported.max_rss_mb:.0f} MB",
            f"< {EXPORT_TARGET_MB:g} MB",
            ("met" if met_mem else "MISSED")
            + f" (idle CLI {baseline.max_rss_mb:.0f} MB, export +{exported.max_rss_mb - baseline.max_rss_mb:.0f} MB)",
        )
    )
    result.rows.append(
        Row(
            kind,
            "KPI rows = raw GROUP BY (n, excluded, suspect, dims)",
            f"{len(kpi_rows):,} rows",
            "",
            "FAIL" if problems else "ok",
        )
    )
    if not met_time:
        result.missed.append(f"{kind} KPI call {kpi_http:.3f} s >= {KPI_TARGET_S} s")
    if not met_ratio:
        result.missed.append(f"{kind} KPI / raw GROUP BY {ratio:.3f} > {RATIO_TARGET}")
    if not met_mem:
        result.missed.append(
            f"{kind} export peak RSS {exported.max_rss_mb:.0f} MB >= {EXPORT_TARGET_MB:g} MB"
            f" (the idle CLI alone: {baseline.max_rss_mb:.0f} MB)"
        )
    return result


def _pg_exists(url: str) -> bool:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"))
    try:
        with admin.connect() as conn:
            return bool(
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}).first()
            )
    finally:
        admin.dispose()


# --- output ----------------------------------------------------------------------------------


def render_table(rows: list[Row]) -> str:
    header = ("db", "measure", "value", "target", "result")
    lines = [(r.db, r.measure, r.value, r.target, r.result) for r in rows]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]

    def fmt_line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip()

    return "\n".join([fmt_line(header), "  ".join("-" * w for w in widths), *(fmt_line(line) for line in lines)])


def _commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return None
    return done.stdout.strip() or None


def _month(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not YYYY-MM") from None


def main(argv: list[str] | None = None) -> int:
    today = date.today()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--responses", type=int, default=10_000_000, help="responses to generate (default 10M)")
    parser.add_argument("--export-rows", type=int, default=1_000_000, help="responses to export (default 1M)")
    parser.add_argument("--months", type=int, default=24, help="months of responses (default 24)")
    parser.add_argument(
        "--end-month",
        type=_month,
        default=add_months(today.replace(day=1), -1),
        help="the last month of data, also the KPI call's month (default: last month)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--workdir", type=Path, help="keep the SQLite file, logs and exports here (default: a temp dir)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure an existing database from an earlier run (same --responses) instead of"
        " generating one (SQLite: needs --workdir)",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_SCALE_DATABASE_URL", DEFAULT_PG_URL),
        help="PostgreSQL database to drop and recreate (its name must contain 'scale' or 'bench')",
    )
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]

    results: list[DbResult] = []
    failures: list[str] = []
    run_started = time.perf_counter()
    for kind in kinds:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"feedback-scale-{kind}-") as tmp:
            workdir = args.workdir or Path(tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            try:
                outcome = bench_database(kind, args, workdir)
            except BenchFailure as exc:
                failures.append(f"{kind}: {exc}")
                continue
            outcome.detail["wall_s"] = time.perf_counter() - started
            results.append(outcome)
            print()
            print(render_table(outcome.rows), flush=True)
            print()

    rows = [row for r in results for row in r.rows]
    missed = [m for r in results for m in r.missed]
    failures += [f for r in results for f in r.failures]
    print(
        f"{args.responses:,} responses over {args.months} months to {args.end_month:%Y-%m}; "
        f"{os.cpu_count()} cores; total {time.perf_counter() - run_started:.0f} s"
    )
    print(render_table(rows))
    for line in missed:
        print(f"TARGET MISSED {line}")
    cores = os.cpu_count() or 1
    busy = [
        f"{r.kind} {max(r.detail['load_average_before'][0], r.detail['load_average_after'][0]):.1f}" for r in results
    ]
    if any(max(r.detail["load_average_before"][0], r.detail["load_average_after"][0]) > cores for r in results):
        print(f"NOTE the machine was busy (load average {', '.join(busy)} on {cores} cores): timings are pessimistic")
    for line in failures:
        print(f"FAIL {line}")

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"kpi-scale-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "at": stamp,
                "commit": _commit(),
                "machine": {
                    "cores": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_average": os.getloadavg(),
                },
                "responses": args.responses,
                "export_rows": args.export_rows,
                "targets": {"ratio_max": RATIO_TARGET, "kpi_max_s": KPI_TARGET_S, "export_max_mb": EXPORT_TARGET_MB},
                "databases": {
                    r.kind: {"rows": [row.__dict__ for row in r.rows], **r.detail, "wall_s": r.detail.get("wall_s")}
                    for r in results
                },
                "failures": failures,
                "targets_missed": missed,
            },
            indent=2,
            ensure_ascii=False,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"results written to {out.relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
