"""Satisfaction over time for a unit subtree, week by week, from the daily summaries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.kpi.metrics import KpiRules, Tally, satisfaction_index
from feedback.models import AnswerFact, ResponseFact
from feedback.services.kpi import DIMENSION_ORDER
from feedback.services.scope import subtree_ids


@dataclass(frozen=True)
class Point:
    start: date
    n: int
    index: float | None


def weekly(session: Session, unit_id: int, end: date, weeks: int, rules: KpiRules) -> list[Point]:
    """``weeks`` points, Monday to Sunday, the last one containing ``end``."""
    last_monday = end - timedelta(days=end.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    units = subtree_ids(session, unit_id)
    answers = (
        select(
            AnswerFact.day,
            AnswerFact.dimension,
            AnswerFact.k,
            func.sum(AnswerFact.n),
            func.sum(AnswerFact.total),
            func.sum(AnswerFact.satisfied),
        )
        .where(
            AnswerFact.grain == "unit", AnswerFact.day >= first, AnswerFact.day <= end, AnswerFact.unit_id.in_(units)
        )
        .group_by(AnswerFact.day, AnswerFact.dimension, AnswerFact.k)
    )
    if not rules.count_flagged:
        answers = answers.where(AnswerFact.suspect.is_(False))
    by_week: dict[date, dict[tuple[str, int], Tally]] = defaultdict(dict)
    for day, dimension, k, n, total, satisfied in session.execute(answers):
        week = day - timedelta(days=day.weekday())
        key = (dimension, int(k))
        tally = Tally(int(n), int(total), int(satisfied), int(k))
        by_week[week][key] = by_week[week][key] + tally if key in by_week[week] else tally
    responses = (
        select(ResponseFact.day, func.sum(ResponseFact.responses))
        .where(
            ResponseFact.grain == "unit",
            ResponseFact.day >= first,
            ResponseFact.day <= end,
            ResponseFact.unit_id.in_(units),
            ResponseFact.status == "valid",
        )
        .group_by(ResponseFact.day)
    )
    if not rules.count_flagged:
        responses = responses.where(ResponseFact.suspect.is_(False))
    counts: dict[date, int] = defaultdict(int)
    for day, count in session.execute(responses):
        counts[day - timedelta(days=day.weekday())] += int(count or 0)
    points = []
    for i in range(weeks):
        week = first + timedelta(weeks=i)
        tallies = by_week.get(week, {})
        # One scale per dimension in a week is the rule; the larger sample wins if a template changed mid-week.
        chosen: dict[str, Tally] = {}
        for (dimension, _k), tally in tallies.items():
            if dimension not in chosen or tally.n > chosen[dimension].n:
                chosen[dimension] = tally
        points.append(Point(week, counts.get(week, 0), satisfaction_index(chosen, rules) if chosen else None))
    return points


def distribution(session: Session, unit_id: int, start: date, end: date, rules: KpiRules) -> dict[str, dict]:
    """Per dimension and scale: how many answered each level in the period, over the unit's subtree."""
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
        .where(
            AnswerFact.grain == "unit",
            AnswerFact.day >= start,
            AnswerFact.day <= end,
            AnswerFact.unit_id.in_(subtree_ids(session, unit_id)),
        )
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
