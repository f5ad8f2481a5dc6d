"""Improvement actions and whether they worked: the same dimension over equal windows before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.kpi.metrics import difference_interval, wilson_interval
from feedback.models import AnswerFact, Counter, ImprovementAction, Service, Unit
from feedback.services.audit import audit
from feedback.services.errors import Forbidden, InvalidInput, NotFound
from feedback.services.scope import in_subtree, subtree_ids

MAX_WINDOW = 90


@dataclass(frozen=True)
class Window:
    start: date
    end: date
    n: int
    satisfied: int
    total: int
    k: int | None

    @property
    def csat(self) -> float | None:
        return self.satisfied / self.n * 100 if self.n else None

    @property
    def interval(self) -> tuple[float | None, float | None]:
        low, high = wilson_interval(self.satisfied, self.n)
        return (None, None) if low is None else (low * 100, high * 100)


@dataclass(frozen=True)
class Comparison:
    before: Window
    after: Window
    change: float | None
    change_low: float | None
    change_high: float | None


def create_action(
    session: Session,
    scope_unit_id: int,
    *,
    unit_code: str,
    title: str,
    starts_on: date,
    dimension: str = "overall",
    counter_code: str | None = None,
    service_code: str | None = None,
    description: str = "",
    actor: str,
) -> ImprovementAction:
    title, description = title.strip(), description.strip()
    if not title or len(title) > 200:
        raise InvalidInput("a title of 1 to 200 characters is required", code="action.title", max=200)
    if len(description) > 4000:
        raise InvalidInput("the description is longer than 4000 characters", code="action.description", max=4000)
    if not dimension or len(dimension) > 40:
        raise InvalidInput("choose the dimension the action should improve", code="action.dimension")
    with write_transaction(session):
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code))
        if unit_id is None:
            raise NotFound(f"no unit with code {unit_code!r}", code="unit.out_of_scope", unit=unit_code)
        if not in_subtree(session, scope_unit_id, unit_id):
            raise Forbidden("that unit is outside yours", code="unit.out_of_scope", unit=unit_code)
        counter_id = service_id = None
        if counter_code:
            counter_id = session.scalar(
                select(Counter.id).where(
                    Counter.code == counter_code, Counter.unit_id.in_(subtree_ids(session, unit_id))
                )
            )
            if counter_id is None:
                raise InvalidInput(
                    f"no counter {counter_code!r} in that unit", code="action.counter", counter=counter_code
                )
        if service_code:
            service_id = session.scalar(select(Service.id).where(Service.code == service_code))
            if service_id is None:
                raise InvalidInput(
                    f"no service with code {service_code!r}", code="service.unknown", service=service_code
                )
        action = ImprovementAction(
            unit_id=unit_id,
            counter_id=counter_id,
            service_id=service_id,
            title=title,
            description=description,
            starts_on=starts_on,
            dimension=dimension,
            created_by=actor,
        )
        session.add(action)
        session.flush()
        audit(session, actor, "action.create", f"action {action.id}", title=title, starts_on=starts_on.isoformat())
        return action


def list_actions(session: Session, scope_unit_id: int) -> list[ImprovementAction]:
    return list(
        session.scalars(
            select(ImprovementAction)
            .where(ImprovementAction.unit_id.in_(subtree_ids(session, scope_unit_id)))
            .order_by(ImprovementAction.starts_on.desc(), ImprovementAction.id.desc())
        )
    )


def action_in_scope(session: Session, scope_unit_id: int, action_id: int) -> ImprovementAction | None:
    action = session.get(ImprovementAction, action_id)
    if action is None or not in_subtree(session, scope_unit_id, action.unit_id):
        return None
    return action


def _window(session: Session, action: ImprovementAction, start: date, end: date) -> Window:
    stmt = select(
        func.sum(AnswerFact.n), func.sum(AnswerFact.satisfied), func.sum(AnswerFact.total), func.max(AnswerFact.k)
    ).where(
        # A counter or service action reads that grain; the counter wins when both are set.
        AnswerFact.grain == ("counter" if action.counter_id else "service" if action.service_id else "unit"),
        AnswerFact.unit_id.in_(subtree_ids(session, action.unit_id)),
        AnswerFact.dimension == action.dimension,
        AnswerFact.day >= start,
        AnswerFact.day <= end,
    )
    if action.counter_id:
        stmt = stmt.where(AnswerFact.counter_id == action.counter_id)
    elif action.service_id:
        stmt = stmt.where(AnswerFact.service_id == action.service_id)
    n, satisfied, total, k = session.execute(stmt).one()
    return Window(start, end, int(n or 0), int(satisfied or 0), int(total or 0), int(k) if k else None)


def compare(session: Session, action: ImprovementAction, today: date) -> Comparison | None:
    """Equal windows on each side of the start: as many days as have passed since it (at most 90)."""
    days = min((today - action.starts_on).days + 1, MAX_WINDOW)
    if days < 1:
        return None
    after = _window(session, action, action.starts_on, action.starts_on + timedelta(days=days - 1))
    before = _window(session, action, action.starts_on - timedelta(days=days), action.starts_on - timedelta(days=1))
    change, low, high = difference_interval(before.satisfied, before.n, after.satisfied, after.n)
    return Comparison(before, after, _percent(change), _percent(low), _percent(high))


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100
