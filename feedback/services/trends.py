"""Satisfaction over time and how people answered, from the daily summaries.

The figures are about a unit subtree, or one counter, staff member, service or channel inside it (a
``Focus``): each is read from the summary rows of its own grain, restricted to the subtree's units, so
a focused chart never counts a response given outside the units the reader may see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.kpi.metrics import KpiRules, Tally, satisfaction_index
from feedback.models import AnswerFact, ResponseFact
from feedback.services.kpi import DIMENSION_ORDER
from feedback.services.scope import subtree_ids

# The summary column that names a group at each grain ("unit" rows are read by unit only).
GROUP_COLUMNS = {"counter": "counter_id", "staff": "staff_id", "service": "service_id", "channel": "channel"}


@dataclass(frozen=True)
class Focus:
    """What the figures cover: the subtree of ``unit_id``, or one group of ``grain`` inside it."""

    unit_id: int
    grain: str = "unit"  # unit | counter | staff | service | channel
    group_id: int | str | None = None  # the counter, staff or service id; the channel's name ("kiosk")

    def __post_init__(self) -> None:
        if self.grain != "unit" and (self.grain not in GROUP_COLUMNS or self.group_id is None):
            raise ValueError(f"a focus on {self.grain!r} needs a group id")


@dataclass(frozen=True)
class Point:
    start: date
    n: int
    index: float | None


def _conditions(session: Session, model, focus: Focus, first: date, last: date) -> list:  # noqa: ANN001
    conditions = [
        model.grain == focus.grain,
        model.day >= first,
        model.day <= last,
        model.unit_id.in_(subtree_ids(session, focus.unit_id)),
    ]
    if focus.grain != "unit":
        conditions.append(getattr(model, GROUP_COLUMNS[focus.grain]) == focus.group_id)
    return conditions


def _series(
    session: Session,
    focus: Focus,
    starts: list[date],
    end: date,
    rules: KpiRules,
    bucket: Callable[[date], date],
) -> list[Point]:
    """One point per bucket start in ``starts``; ``bucket`` maps a day to the start of its bucket."""
    answers = (
        select(
            AnswerFact.day,
            AnswerFact.dimension,
            AnswerFact.k,
            func.sum(AnswerFact.n),
            func.sum(AnswerFact.total),
            func.sum(AnswerFact.satisfied),
        )
        .where(*_conditions(session, AnswerFact, focus, starts[0], end))
        .group_by(AnswerFact.day, AnswerFact.dimension, AnswerFact.k)
    )
    if not rules.count_flagged:
        answers = answers.where(AnswerFact.suspect.is_(False))
    by_bucket: dict[date, dict[tuple[str, int], Tally]] = defaultdict(dict)
    for day, dimension, k, n, total, satisfied in session.execute(answers):
        tallies = by_bucket[bucket(day)]
        key = (dimension, int(k))
        tally = Tally(int(n), int(total), int(satisfied), int(k))
        tallies[key] = tallies[key] + tally if key in tallies else tally
    responses = (
        select(ResponseFact.day, func.sum(ResponseFact.responses))
        .where(*_conditions(session, ResponseFact, focus, starts[0], end), ResponseFact.status == "valid")
        .group_by(ResponseFact.day)
    )
    if not rules.count_flagged:
        responses = responses.where(ResponseFact.suspect.is_(False))
    counts: dict[date, int] = defaultdict(int)
    for day, count in session.execute(responses):
        counts[bucket(day)] += int(count or 0)
    points = []
    for start in starts:
        # One scale per dimension in a bucket is the rule; the larger sample wins if a template changed within it.
        chosen: dict[str, Tally] = {}
        for (dimension, _k), tally in by_bucket.get(start, {}).items():
            if dimension not in chosen or tally.n > chosen[dimension].n:
                chosen[dimension] = tally
        points.append(Point(start, counts.get(start, 0), satisfaction_index(chosen, rules) if chosen else None))
    return points


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def month_of(day: date) -> date:
    return day.replace(day=1)


def weekly(session: Session, focus: Focus, end: date, weeks: int, rules: KpiRules) -> list[Point]:
    """``weeks`` points, Monday to Sunday, the last one containing ``end``."""
    last = week_of(end)
    starts = [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    return _series(session, focus, starts, end, rules, week_of)


def monthly(session: Session, focus: Focus, end: date, months: int, rules: KpiRules) -> list[Point]:
    """``months`` points, calendar months, the last one containing ``end`` (up to ``end`` only)."""
    index = end.year * 12 + end.month - 1
    starts = [date((index - i) // 12, (index - i) % 12 + 1, 1) for i in range(months - 1, -1, -1)]
    return _series(session, focus, starts, end, rules, month_of)


def distribution(session: Session, focus: Focus, start: date, end: date, rules: KpiRules) -> dict[str, dict]:
    """Per dimension and scale: how many answered each level in the period."""
    stmt = (
        select(
            AnswerFact.dimension,
            AnswerFact.k,
            func.sum(AnswerFact.n),
            func.sum(AnswerFact.l1),
            func.sum(AnswerFact.l2),
            func.sum(AnswerFact.l3),
            func.sum(AnswerFact.l4),
            func.sum(AnswerFact.l5),
        )
        .where(*_conditions(session, AnswerFact, focus, start, end))
        .group_by(AnswerFact.dimension, AnswerFact.k)
    )
    if not rules.count_flagged:
        stmt = stmt.where(AnswerFact.suspect.is_(False))
    result: dict[str, dict] = {}
    for dimension, k, n, *levels in session.execute(stmt):
        counts = {level: int(levels[level - 1] or 0) for level in range(int(k), 0, -1)}
        key = dimension if dimension not in result else f"{dimension} ({k})"
        result[key] = {"k": int(k), "n": int(n or 0), "levels": counts}
    order = {name: i for i, name in enumerate(DIMENSION_ORDER)}
    return dict(sorted(result.items(), key=lambda item: (order.get(item[0].split(" ")[0], 99), item[0])))
