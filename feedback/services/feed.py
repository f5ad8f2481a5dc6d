"""The response feed for data warehouses: every response created or changed after a cursor, once.

Pages are ordered by (updated_at, id). A change becomes visible only once it is ``SETTLE`` old, so a
transaction that began earlier but committed later cannot slip in behind a cursor already handed
out (write transactions here last milliseconds). The cursor is signed: a forged one is refused.
Contact details are never in the feed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from feedback.models import (
    Answer,
    Counter,
    Question,
    Response,
    ResponseFlag,
    Service,
    Staff,
    SurveyTemplate,
    SurveyVersion,
    Unit,
)
from feedback.services.errors import InvalidInput
from feedback.services.scope import subtree_ids

SETTLE = timedelta(seconds=5)
MAX_LIMIT = 5000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

FEED_COLUMNS = (
    "id",
    "receipt",
    "submitted_at",
    "updated_at",
    "channel",
    "unit",
    "counter",
    "staff",
    "staff_attribution",
    "service",
    "template",
    "template_version",
    "language",
    "status",
    "excluded_reason",
    "suspect",
    "flags",
    "comment",
    "answers",
)


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(secret, salt="feedback.feed")

    def dump(self, updated_at: datetime, response_id: int) -> str:
        return self._serializer.dumps([updated_at.isoformat(), response_id])

    def load(self, cursor: str | None) -> tuple[datetime, int]:
        if not cursor:
            return EPOCH, 0
        try:
            when, response_id = self._serializer.loads(cursor)
            moment = datetime.fromisoformat(when)
            if not isinstance(response_id, int) or moment.tzinfo is None:
                raise ValueError
        except (BadSignature, ValueError, TypeError):
            raise InvalidInput("the cursor is not one this server handed out") from None
        return moment, response_id


@dataclass
class Page:
    items: list[dict[str, Any]]
    next: str | None


def feed_page(
    session: Session,
    codec: CursorCodec,
    *,
    scope_unit_id: int,
    cursor: str | None,
    limit: int,
    now: datetime | None = None,
) -> Page:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
    after, after_id = codec.load(cursor)
    horizon = (now or datetime.now(UTC)) - SETTLE
    rows = feed_rows(session, scope_unit_id=scope_unit_id, after=after, after_id=after_id, horizon=horizon, limit=limit)
    next_cursor = codec.dump(rows[-1]["_updated"], rows[-1]["id"]) if rows else cursor
    for row in rows:
        row.pop("_updated")
    return Page(rows, next_cursor)


def feed_rows(
    session: Session,
    *,
    scope_unit_id: int,
    after: datetime = EPOCH,
    after_id: int = 0,
    horizon: datetime | None = None,
    limit: int | None = None,
    submitted_from: datetime | None = None,
    submitted_to: datetime | None = None,
    id_window: tuple[int, int] | None = None,
) -> list[dict[str, Any]]:
    """One page of the feed, in (updated_at, id) order after the cursor; or, with ``id_window`` (low,
    high), the responses with low < id <= high in id order (an export of a fixed period, read in
    windows of ids so each query touches only its window)."""
    staff, service, counter, unit = aliased(Staff), aliased(Service), aliased(Counter), aliased(Unit)
    stmt = (
        select(Response, unit.code, counter.code, staff.code, service.code, SurveyTemplate.code, SurveyVersion.number)
        .join(unit, unit.id == Response.unit_id)
        .outerjoin(counter, counter.id == Response.counter_id)
        .outerjoin(staff, staff.id == Response.staff_id)
        .outerjoin(service, service.id == Response.service_id)
        .join(SurveyVersion, SurveyVersion.id == Response.version_id)
        .join(SurveyTemplate, SurveyTemplate.id == SurveyVersion.template_id)
    )
    units = subtree_ids(session, scope_unit_id)
    if id_window is not None:
        # unit_id + 0: the id range must drive the query; an index on unit_id would make each window
        # read and sort the whole period (SQLite's planner prefers it otherwise).
        stmt = stmt.where(
            Response.id > id_window[0], Response.id <= id_window[1], (Response.unit_id + 0).in_(units)
        ).order_by(Response.id)
    else:
        stmt = stmt.where(
            Response.unit_id.in_(units),
            or_(Response.updated_at > after, and_(Response.updated_at == after, Response.id > after_id)),
        ).order_by(Response.updated_at, Response.id)
    if horizon is not None:
        stmt = stmt.where(Response.updated_at <= horizon)
    if submitted_from is not None:
        stmt = stmt.where(Response.submitted_at >= submitted_from)
    if submitted_to is not None:
        stmt = stmt.where(Response.submitted_at < submitted_to)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = session.execute(stmt).all()
    return rows_to_items(session, rows)


def rows_to_items(session: Session, rows: list) -> list[dict[str, Any]]:  # noqa: ANN001
    ids = [r[0].id for r in rows]
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    flags: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for response_id, code, value_int, value_text in session.execute(
            select(Answer.response_id, Question.code, Answer.value_int, Answer.value_text)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.response_id.in_(chunk))
        ):
            answers[response_id][code] = value_int if value_int is not None else value_text
        for response_id, code in session.execute(
            select(ResponseFlag.response_id, ResponseFlag.code).where(ResponseFlag.response_id.in_(chunk))
        ):
            flags[response_id].append(code)
    items = []
    for response, unit_code, counter_code, staff_code, service_code, template, version in rows:
        items.append(
            {
                "id": response.id,
                "receipt": response.receipt,
                "submitted_at": _iso(response.submitted_at),
                "updated_at": _iso(response.updated_at),
                "channel": response.channel,
                "unit": unit_code,
                "counter": counter_code,
                "staff": staff_code,
                "staff_attribution": response.staff_attribution,
                "service": service_code,
                "template": template,
                "template_version": version,
                "language": response.language,
                "status": response.status,
                "excluded_reason": response.excluded_reason,
                "suspect": response.suspect,
                "flags": sorted(flags.get(response.id, [])),
                "comment": response.comment,
                "answers": answers.get(response.id, {}),
                "_updated": response.updated_at,
            }
        )
    return items


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
