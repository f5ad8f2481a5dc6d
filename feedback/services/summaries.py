"""The summary tables (per day and per month): kept in step with every submission, exclusion and
restore, and rebuildable.

Both paths go through ``_facts_of``, so the rows an incremental update writes and the rows a rebuild
writes are computed by the same code; a test compares the two.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from feedback.models import Answer, AnswerFact, Question, Response, ResponseFact
from feedback.models.kpi import monthly

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


def _group(response, tz: str) -> dict:  # noqa: ANN001
    """What the summaries need of a response (a model instance or a selected row)."""
    return {
        "day": local_day(response.submitted_at, tz),
        "unit_id": response.unit_id,
        "counter_id": response.counter_id or 0,
        "staff_id": response.staff_id or 0,
        "service_id": response.service_id or 0,
        "channel": response.channel or "",
    }


LEVELS = {f"l{level}": 0 for level in range(1, 6)}


def _grains(group: dict) -> list[dict]:
    """The group keys of one response at each grain (a grain it has nothing for is skipped), each
    once for its local day and once for its month."""
    day = group["day"]
    base = {"unit_id": group["unit_id"], "counter_id": 0, "staff_id": 0, "service_id": 0, "channel": ""}
    keys = [{**base, "grain": "unit"}]
    for grain, column in (
        ("counter", "counter_id"),
        ("staff", "staff_id"),
        ("service", "service_id"),
        ("channel", "channel"),
    ):
        if group[column]:
            keys.append({**base, "grain": grain, column: group[column]})
    month = day.replace(day=1)
    return [{**key, "day": day} for key in keys] + [
        {**key, "grain": monthly(key["grain"]), "day": month} for key in keys
    ]


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
    """Add the increments to each keyed row, creating it if needed: one prepared statement, executed
    for every row (a multi-row VALUES statement was rebuilt and compiled on every submit: a third of
    a submit's time for its 60 rows)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = _upsert_statement(dialect, model.__table__, tuple(rows[0][0]), tuple(rows[0][1]))
    values = [{**key, **{name: sign * value for name, value in increments.items()}} for key, increments in rows]
    session.connection().execute(statement, values)


@functools.cache
def _upsert_statement(dialect: str, table, key_columns: tuple[str, ...], counters: tuple[str, ...]):  # noqa: ANN001, ANN202
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: table.c[name] + statement.excluded[name] for name in counters},
    )


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
    """Recompute the summaries for the whole months holding local days start..end (all when None).

    Whole months, because a monthly row sums every day of its month; one month at a time, so memory
    stays flat however many responses there are. Runs in the caller's transaction; returns
    (responses read, summary rows written).
    """
    start, end = whole_months(start, end)
    for model in (AnswerFact, ResponseFact):
        session.execute(delete(model).where(*_day_range(model, start, end)))
    if start is None or end is None:
        first_at, last_at = session.execute(
            select(func.min(Response.submitted_at), func.max(Response.submitted_at))
        ).one()
        if first_at is None:
            return 0, 0
        first, last = whole_months(local_day(first_at, tz), local_day(last_at, tz))
        start, end = start or first, end or last
    read = written = 0
    month = start
    while month <= end:
        month_end = whole_months(None, month)[1]
        offset = _fixed_offset(month, month_end, tz)
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql" or (dialect == "sqlite" and offset is not None):
            counts = _rebuild_month_sql(session, month, month_end, tz, offset)
        else:
            counts = _rebuild_month_python(session, month, month_end, tz, batch)
        read, written = read + counts[0], written + counts[1]
        month = month_end + timedelta(days=1)
    return read, written


def _bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants where local day ``first`` begins and the day after ``last`` begins."""
    zone = ZoneInfo(tz)
    return (
        datetime.combine(first, datetime.min.time(), zone),
        datetime.combine(last + timedelta(days=1), datetime.min.time(), zone),
    )


def _fixed_offset(first: date, last: date, tz: str) -> int | None:
    """The zone's UTC offset in seconds if it is the same on every day first..last (no DST change)."""
    zone = ZoneInfo(tz)
    offsets = {
        datetime.combine(first + timedelta(days=i), datetime.min.time(), zone).utcoffset()
        for i in range((last - first).days + 2)
    }
    if len(offsets) != 1:
        return None
    return int(next(iter(offsets)).total_seconds())


# The daily rows of one grain: (the group column the grain adds, or None for the unit grain).
_GRAIN_COLUMNS = {
    "unit": None,
    "counter": "counter_id",
    "staff": "staff_id",
    "service": "service_id",
    "channel": "channel",
}


def _rebuild_month_sql(session: Session, first: date, last: date, tz: str, offset: int | None) -> tuple[int, int]:
    """One month's summaries in the database, with the same sums as ``_facts_of`` (a test compares them).

    One pass over the month's responses and answers groups them by every group column at once into
    two temporary tables; each grain's daily and monthly rows are then grouped from those, which
    are far smaller than the answers and are read without a join.
    """
    low, high = _bounds(first, last, tz)
    if session.get_bind().dialect.name == "postgresql":
        day = cast(func.timezone(tz, Response.submitted_at), Date)
    else:
        day = func.date(Response.submitted_at, f"{offset:+d} seconds")
    in_month = (Response.submitted_at >= low, Response.submitted_at < high)
    k = case((Question.type == "rating5", 5), else_=3)
    level = Answer.value_int
    groups = {
        "day": day,
        "unit_id": Response.unit_id,
        "counter_id": func.coalesce(Response.counter_id, 0),
        "staff_id": func.coalesce(Response.staff_id, 0),
        "service_id": func.coalesce(Response.service_id, 0),
        "channel": func.coalesce(Response.channel, ""),
    }
    answer_sums = ("n", "total", "satisfied", "l1", "l2", "l3", "l4", "l5")
    connection = session.connection()
    fine_responses = _temporary(
        "rebuild_responses", ("status", String(10)), ("suspect", Boolean), ("responses", Integer)
    )
    fine_answers = _temporary(
        "rebuild_answers",
        ("dimension", String(40)),
        ("k", Integer),
        ("suspect", Boolean),
        *((name, Integer) for name in answer_sums),
    )
    for table in (fine_responses, fine_answers):
        table.create(connection)
    try:
        connection.execute(
            insert(fine_responses).from_select(
                [*groups, "status", "suspect", "responses"],
                select(*groups.values(), Response.status, Response.suspect, func.count())
                .where(*in_month)
                .group_by(*groups.values(), Response.status, Response.suspect),
            )
        )
        connection.execute(
            insert(fine_answers).from_select(
                [*groups, "dimension", "k", "suspect", *answer_sums],
                select(
                    *groups.values(),
                    Question.dimension,
                    k,
                    Response.suspect,
                    func.count(),
                    func.sum(level),
                    func.sum(case((level >= case((k == 5, 4), else_=2), 1), else_=0)),
                    *(func.sum(case((level == i, 1), else_=0)) for i in range(1, 6)),
                )
                .select_from(Answer)
                .join(Response, Response.id == Answer.response_id)
                .join(Question, Question.id == Answer.question_id)
                .where(
                    *in_month,
                    Response.status == "valid",
                    Question.type.in_(tuple(RATING_SCALES)),
                    Question.dimension.is_not(None),
                    level.is_not(None),
                )
                .group_by(*groups.values(), Question.dimension, k, Response.suspect),
            )
        )
        for model, fine, keys, sums in (
            (ResponseFact, fine_responses, ("status", "suspect"), ("responses",)),
            (AnswerFact, fine_answers, ("dimension", "k", "suspect"), answer_sums),
        ):
            for grain, column_name in _GRAIN_COLUMNS.items():
                for grain_name, day_column in ((grain, fine.c.day), (monthly(grain), literal(first, Date))):
                    columns = {
                        "grain": literal(grain_name, String(12)),
                        "day": day_column,
                        "unit_id": fine.c.unit_id,
                        "counter_id": literal(0, Integer),
                        "staff_id": literal(0, Integer),
                        "service_id": literal(0, Integer),
                        "channel": literal("", String(10)),
                    }
                    group_by = [fine.c.unit_id, *(fine.c[key] for key in keys)]
                    where = ()
                    if column_name is not None:
                        own = fine.c[column_name]
                        columns[column_name] = own
                        group_by.append(own)
                        where = (own != ("" if column_name == "channel" else 0),)
                    if day_column is fine.c.day:
                        group_by.append(fine.c.day)
                    rows = (
                        select(
                            *columns.values(),
                            *(fine.c[key] for key in keys),
                            *(func.sum(fine.c[name]) for name in sums),
                        )
                        .where(*where)
                        .group_by(*group_by)
                    )
                    connection.execute(insert(model).from_select([*columns, *keys, *sums], rows))
        read = connection.scalar(select(func.coalesce(func.sum(fine_responses.c.responses), 0))) or 0
    finally:
        for table in (fine_responses, fine_answers):
            table.drop(connection)
    # Counted, not summed from rowcount: psycopg reports -1 for INSERT … SELECT through this path.
    written = sum(
        connection.scalar(select(func.count()).select_from(model).where(model.day >= first, model.day <= last)) or 0
        for model in (ResponseFact, AnswerFact)
    )
    return int(read), written


def _temporary(name: str, *columns: tuple) -> Table:
    """A temporary table with the group columns and ``columns`` (name, type)."""
    return Table(
        name,
        MetaData(),
        Column("day", Date),
        Column("unit_id", Integer),
        Column("counter_id", Integer),
        Column("staff_id", Integer),
        Column("service_id", Integer),
        Column("channel", String(10)),
        *(Column(column_name, column_type) for column_name, column_type in columns),
        prefixes=["TEMPORARY"],
    )


def _rebuild_month_python(session: Session, first: date, last: date, tz: str, batch: int) -> tuple[int, int]:
    """One month's summaries through ``_facts_of``, for a zone whose offset changes in that month
    (the SQL path needs a fixed offset on SQLite)."""
    low, high = _bounds(first, last, tz)
    conditions = (Response.submitted_at >= low, Response.submitted_at < high)
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
                Response.channel,
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
            response_keys, answers = _facts_of(_group(r, tz), r.status, r.suspect, by_response.get(r.id, ()))
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


def whole_months(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """start..end widened to the first day of start's month and the last day of end's month."""
    if start is not None:
        start = start.replace(day=1)
    if end is not None:
        next_month = (end.replace(day=1) + timedelta(days=32)).replace(day=1)
        end = next_month - timedelta(days=1)
    return start, end


def spans(start: date, end: date) -> list[tuple[bool, date, date]]:
    """(monthly?, first, last) pieces of start..end: whole months read from monthly rows (first and
    last are then months' first days), the ragged edges from daily rows."""
    first_full = start if start.day == 1 else whole_months(None, start)[1] + timedelta(days=1)
    after_last_full = end + timedelta(days=1)
    if after_last_full.day != 1:
        after_last_full = after_last_full.replace(day=1)
    if first_full >= after_last_full:
        return [(False, start, end)]
    pieces = []
    if start < first_full:
        pieces.append((False, start, first_full - timedelta(days=1)))
    pieces.append((True, first_full, (after_last_full - timedelta(days=1)).replace(day=1)))
    if after_last_full <= end:
        pieces.append((False, after_last_full, end))
    return pieces


def span_condition(model, grain: str, start: date, end: date):  # noqa: ANN001, ANN201
    """The rows of ``model`` (AnswerFact or ResponseFact) at ``grain`` that cover local days start..end."""
    terms = [
        and_(model.grain == (monthly(grain) if is_month else grain), model.day >= first, model.day <= last)
        for is_month, first, last in spans(start, end)
    ]
    return terms[0] if len(terms) == 1 else or_(*terms)


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
