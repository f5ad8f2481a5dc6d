"""Reading responses inside a unit subtree, with the filters a manager uses, newest first."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from feedback.models import Answer, Counter, Question, Response, ResponseFlag, Service, Staff, Unit
from feedback.services.scope import in_subtree, subtree_ids
from feedback.services.text import fold

PAGE = 50


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    unit: str | None = None
    counter: str | None = None
    staff: str | None = None
    service: str | None = None
    channel: str | None = None  # counter | ticket | kiosk
    text: str | None = None
    flags: str | None = None  # only: just the responses with integrity flags; exclude: just those without
    status: str | None = None  # valid | excluded | None for both


@dataclass
class Listed:
    id: int
    receipt: str
    submitted_at: datetime
    unit: str
    counter: str | None
    staff: str | None
    service: str | None
    channel: str
    status: str
    excluded_reason: str | None
    comment: str | None
    answers: dict[str, int | str]
    flags: list[tuple[str, str]]


def list_responses(
    session: Session, scope_unit_id: int, filters: Filters, tz: str, before_id: int | None = None, limit: int = PAGE
) -> list[Listed]:
    zone = ZoneInfo(tz)
    low = datetime.combine(filters.start, time.min, zone).astimezone(UTC)
    high = datetime.combine(filters.end + timedelta(days=1), time.min, zone).astimezone(UTC)
    root = scope_unit_id
    if filters.unit:
        asked = session.scalar(select(Unit.id).where(Unit.code == filters.unit))
        if asked is None or not in_subtree(session, scope_unit_id, asked):
            return []
        root = asked
    unit, counter, staff, service = aliased(Unit), aliased(Counter), aliased(Staff), aliased(Service)
    stmt = (
        select(Response, unit.name_vi, counter.code, staff.full_name, service.name_vi)
        .join(unit, unit.id == Response.unit_id)
        .outerjoin(counter, counter.id == Response.counter_id)
        .outerjoin(staff, staff.id == Response.staff_id)
        .outerjoin(service, service.id == Response.service_id)
        .where(
            Response.unit_id.in_(subtree_ids(session, root)), Response.submitted_at >= low, Response.submitted_at < high
        )
        .order_by(Response.id.desc())
        .limit(limit)
    )
    if before_id:
        stmt = stmt.where(Response.id < before_id)
    if filters.counter:
        stmt = stmt.where(counter.code == filters.counter)
    if filters.staff:
        stmt = stmt.where(staff.code == filters.staff)
    if filters.service:
        stmt = stmt.where(service.code == filters.service)
    if filters.channel:
        stmt = stmt.where(Response.channel == filters.channel)
    if filters.flags == "only":
        stmt = stmt.where(Response.suspect.is_(True))
    elif filters.flags == "exclude":
        stmt = stmt.where(Response.suspect.is_(False))
    if filters.status in ("valid", "excluded"):
        stmt = stmt.where(Response.status == filters.status)
    folded = fold(filters.text or "")
    if folded:
        for word in folded.split()[:8]:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Response.comment_folded.like(f"%{escaped}%", escape="\\"))
    rows = session.execute(stmt).all()
    ids = [r[0].id for r in rows]
    answers: dict[int, dict[str, int | str]] = defaultdict(dict)
    flags: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if ids:
        for response_id, code, value_int, value_text in session.execute(
            select(Answer.response_id, Question.code, Answer.value_int, Answer.value_text)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.response_id.in_(ids))
        ):
            answers[response_id][code] = value_int if value_int is not None else value_text
        for response_id, code, reason in session.execute(
            select(ResponseFlag.response_id, ResponseFlag.code, ResponseFlag.reason).where(
                ResponseFlag.response_id.in_(ids)
            )
        ):
            flags[response_id].append((code, reason))
    return [
        Listed(
            r.id,
            r.receipt,
            r.submitted_at,
            unit_name,
            counter_code,
            staff_name,
            service_name,
            r.channel,
            r.status,
            r.excluded_reason,
            r.comment,
            answers.get(r.id, {}),
            flags.get(r.id, []),
        )
        for r, unit_name, counter_code, staff_name, service_name in rows
    ]


def response_in_scope(session: Session, scope_unit_id: int, receipt: str) -> bool:
    unit_id = session.scalar(select(Response.unit_id).where(Response.receipt == receipt.replace("-", "").upper()))
    return unit_id is not None and in_subtree(session, scope_unit_id, unit_id)
