"""The daily summary tables: kept in step with every submission, exclusion and restore, and rebuildable.

Both paths go through ``_facts_of``, so the rows an incremental update writes and the rows a rebuild
writes are computed by the same code; a test compares the two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from feedback.models import Answer, AnswerFact, Question, Response, ResponseFact

RATING_SCALES = {"rating5": 5, "rating3": 3}
DEFAULT_TZ = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Rated:
    """One rating answer as the summaries need it."""

    dimension: str
    k: int
    level: int


def local_day(moment: datetime, tz: str = DEFAULT_TZ) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


def satisfied(level: int, k: int) -> bool:
    """The satisfied levels: 4-5 on the five-level scale, 2-3 on the three-level scale (SPEC §4)."""
    return level >= (4 if k == 5 else 2)


def _group(response: Response, tz: str) -> dict:
    return {
        "day": local_day(response.submitted_at, tz),
        "unit_id": response.unit_id,
        "counter_id": response.counter_id or 0,
        "staff_id": response.staff_id or 0,
        "service_id": response.service_id or 0,
    }


LEVELS = {f"l{level}": 0 for level in range(1, 6)}


def _grains(group: dict) -> list[dict]:
    """The group keys of one response at each grain (a grain it has nothing for is skipped)."""
    base = {"day": group["day"], "unit_id": group["unit_id"], "counter_id": 0, "staff_id": 0, "service_id": 0}
    keys = [{**base, "grain": "unit"}]
    for grain, column in (("counter", "counter_id"), ("staff", "staff_id"), ("service", "service_id")):
        if group[column]:
            keys.append({**base, "grain": grain, column: group[column]})
    return keys


def _facts_of(group: dict, status: str, suspect: bool, rated: Iterable[Rated]):  # noqa: ANN202
    """(response fact keys, [(answer fact key, increments)]) for one response, at every grain."""
    keys = _grains(group)
    response_keys = [{**key, "status": status, "suspect": suspect} for key in keys]
    answers = []
    if status == "valid":
        for r in rated:
            increments = {
                "n": 1,
                "total": r.level,
                "satisfied": 1 if satisfied(r.level, r.k) else 0,
                **LEVELS,
                f"l{r.level}": 1,
            }
            for key in keys:
                answers.append(({**key, "dimension": r.dimension, "k": r.k, "suspect": suspect}, increments))
    return response_keys, answers


def _upsert(session: Session, model, rows: list[tuple[dict, dict]], sign: int) -> None:  # noqa: ANN001
    """Add the increments to each keyed row, creating it if needed: one statement for all rows."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = [{**key, **{name: sign * value for name, value in increments.items()}} for key, increments in rows]
    statement = insert(model).values(values)
    key_columns, counters = list(rows[0][0]), list(rows[0][1])
    statement = statement.on_conflict_do_update(
        index_elements=key_columns,
        set_={name: getattr(model, name) + getattr(statement.excluded, name) for name in counters},
    )
    session.execute(statement)


def record(session: Session, response: Response, rated: Iterable[Rated], sign: int = 1, tz: str = DEFAULT_TZ) -> None:
    """Add (sign 1) or remove (sign -1) one response's contribution, inside the caller's transaction."""
    response_keys, answers = _facts_of(_group(response, tz), response.status, response.suspect, rated)
    _upsert(session, ResponseFact, [(key, {"responses": 1}) for key in response_keys], sign)
    _upsert(session, AnswerFact, answers, sign)


def rated_answers(session: Session, response_id: int) -> list[Rated]:
    rows = session.execute(
        select(Question.dimension, Question.type, Answer.value_int)
        .join(Question, Answer.question_id == Question.id)
        .where(
            Answer.response_id == response_id,
            Question.type.in_(tuple(RATING_SCALES)),
            Question.dimension.is_not(None),
            Answer.value_int.is_not(None),
        )
    )
    return [Rated(dimension, RATING_SCALES[qtype], level) for dimension, qtype, level in rows]


def rebuild(
    session: Session, start: date | None = None, end: date | None = None, tz: str = DEFAULT_TZ, batch: int = 5000
) -> tuple[int, int]:
    """Recompute the summaries for local days start..end (all days when None) from the responses.

    Runs in the caller's transaction; returns (responses read, summary rows written).
    """
    zone = ZoneInfo(tz)
    conditions = []
    if start is not None:
        conditions.append(Response.submitted_at >= datetime.combine(start, datetime.min.time(), zone))
    if end is not None:
        conditions.append(Response.submitted_at < datetime.combine(end + timedelta(days=1), datetime.min.time(), zone))
    for model in (AnswerFact, ResponseFact):
        session.execute(delete(model).where(*_day_range(model, start, end)))
    response_totals: dict[tuple, int] = defaultdict(int)
    answer_totals: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    scales = {
        qid: (dimension, RATING_SCALES[qtype])
        for qid, dimension, qtype in session.execute(
            select(Question.id, Question.dimension, Question.type).where(
                Question.type.in_(tuple(RATING_SCALES)), Question.dimension.is_not(None)
            )
        )
    }
    read = 0
    last_id = 0
    while True:
        responses = session.execute(
            select(
                Response.id,
                Response.submitted_at,
                Response.unit_id,
                Response.counter_id,
                Response.staff_id,
                Response.service_id,
                Response.status,
                Response.suspect,
            )
            .where(*conditions, Response.id > last_id)
            .order_by(Response.id)
            .limit(batch)
        ).all()
        if not responses:
            break
        last_id = responses[-1].id
        ids = [r.id for r in responses]
        by_response: dict[int, list[Rated]] = defaultdict(list)
        for response_id, question_id, level in session.execute(
            select(Answer.response_id, Answer.question_id, Answer.value_int).where(
                Answer.response_id.in_(ids), Answer.value_int.is_not(None)
            )
        ):
            scale = scales.get(question_id)
            if scale is not None:
                by_response[response_id].append(Rated(scale[0], scale[1], level))
        for r in responses:
            group = {
                "day": local_day(r.submitted_at, tz),
                "unit_id": r.unit_id,
                "counter_id": r.counter_id or 0,
                "staff_id": r.staff_id or 0,
                "service_id": r.service_id or 0,
            }
            response_keys, answers = _facts_of(group, r.status, r.suspect, by_response.get(r.id, ()))
            for response_key in response_keys:
                response_totals[tuple(response_key.items())] += 1
            for key, inc in answers:
                totals = answer_totals[tuple(key.items())]
                for name, value in inc.items():
                    totals[name] += value
        read += len(responses)
    rows = [{**dict(key), "responses": count} for key, count in response_totals.items()]
    for chunk in _chunks(rows, 1000):
        session.execute(ResponseFact.__table__.insert(), chunk)
    answer_rows = [{**dict(key), **LEVELS, **totals} for key, totals in answer_totals.items()]
    for chunk in _chunks(answer_rows, 1000):
        session.execute(AnswerFact.__table__.insert(), chunk)
    return read, len(rows) + len(answer_rows)


def _day_range(model, start: date | None, end: date | None) -> list:  # noqa: ANN001
    conditions = []
    if start is not None:
        conditions.append(model.day >= start)
    if end is not None:
        conditions.append(model.day <= end)
    return conditions


def _chunks(rows: list, size: int):  # noqa: ANN202
    for i in range(0, len(rows), size):
        yield rows[i : i + size]
