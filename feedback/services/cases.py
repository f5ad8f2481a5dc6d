"""Follow-up cases for negative feedback: opened with the response, answered within working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Counter, FollowUpCase, Response, ResponseContact, Unit, User
from feedback.models.case import CASE_STATES, CaseNote
from feedback.services.audit import audit
from feedback.services.errors import InvalidInput, NotFound
from feedback.services.scope import in_subtree, subtree_ids

OPEN_STATES = ("open", "in_progress")
NOTE_MAX = 4000


def add_working_days(start: date, days: int) -> date:
    """``days`` working days (Monday to Friday) after ``start``; public holidays are not known here."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def negative_reason(answers: dict[str, int | str | None], scales: dict[str, int]) -> str | None:
    """The default rule (SPEC §2): the overall rating at the bottom of its scale opens a case."""
    level = answers.get("overall")
    if isinstance(level, int) and "overall" in scales and level == 1:
        return f"overall rated 1 of {scales['overall']}"
    return None


def open_case(session: Session, response: Response, reason: str, today: date, due_days: int) -> FollowUpCase:
    """Open the case inside the submit transaction, so a negative response never goes without one."""
    case = FollowUpCase(
        response_id=response.id,
        unit_id=response.unit_id,
        state="open",
        reason=reason,
        due_on=add_working_days(today, due_days),
        opened_at=response.submitted_at,
    )
    session.add(case)
    return case


@dataclass
class CaseView:
    id: int
    state: str
    reason: str
    due_on: date
    opened_at: datetime
    overdue: bool
    receipt: str
    unit: str
    counter: str | None
    assignee: str | None
    comment: str | None


def list_cases(session: Session, scope_unit_id: int, today: date, state: str | None = None) -> list[CaseView]:
    stmt = (
        select(FollowUpCase, Response.receipt, Response.comment, Unit.name_vi, Counter.code, User.email)
        .join(Response, Response.id == FollowUpCase.response_id)
        .join(Unit, Unit.id == FollowUpCase.unit_id)
        .outerjoin(Counter, Counter.id == Response.counter_id)
        .outerjoin(User, User.id == FollowUpCase.assignee_id)
        .where(FollowUpCase.unit_id.in_(subtree_ids(session, scope_unit_id)))
        .order_by(sql_case((FollowUpCase.state.in_(OPEN_STATES), 0), else_=1), FollowUpCase.due_on, FollowUpCase.id)
        .limit(500)
    )
    if state in CASE_STATES:
        stmt = stmt.where(FollowUpCase.state == state)
    return [
        CaseView(
            c.id,
            c.state,
            c.reason,
            c.due_on,
            c.opened_at,
            c.state in OPEN_STATES and c.due_on < today,
            receipt,
            unit,
            counter,
            assignee,
            comment,
        )
        for c, receipt, comment, unit, counter, assignee in session.execute(stmt)
    ]


def case_in_scope(session: Session, scope_unit_id: int, case_id: int) -> FollowUpCase | None:
    case = session.get(FollowUpCase, case_id)
    if case is None or not in_subtree(session, scope_unit_id, case.unit_id):
        return None
    return case


def contact_for(session: Session, case: FollowUpCase) -> ResponseContact | None:
    return session.scalar(select(ResponseContact).where(ResponseContact.response_id == case.response_id))


def assignable_users(session: Session, unit_id: int) -> list[User]:
    """Managers and administrators whose subtree covers the case's unit."""
    users = session.scalars(select(User).where(User.active.is_(True), User.role.in_(("admin", "manager"))))
    return [u for u in users if in_subtree(session, u.unit_id, unit_id)]


def _load(session: Session, case_id: int, scope_unit_id: int) -> FollowUpCase:
    case = case_in_scope(session, scope_unit_id, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def assign(session: Session, case_id: int, scope_unit_id: int, email: str, actor: str) -> User:
    with write_transaction(session):
        case = _load(session, case_id, scope_unit_id)
        user = next((u for u in assignable_users(session, case.unit_id) if u.email == email.strip().lower()), None)
        if user is None:
            raise InvalidInput("choose a manager whose units include this case")
        case.assignee_id = user.id
        if case.state == "open":
            case.state = "in_progress"
        audit(session, actor, "case.assign", f"case {case.id}", assignee=user.email)
        return user


def set_due(session: Session, case_id: int, scope_unit_id: int, due_on: date, actor: str) -> None:
    with write_transaction(session):
        case = _load(session, case_id, scope_unit_id)
        if due_on < case.opened_at.date():
            raise InvalidInput("the due date is before the case was opened")
        audit(session, actor, "case.due", f"case {case.id}", before=case.due_on.isoformat(), after=due_on.isoformat())
        case.due_on = due_on


def add_note(session: Session, case_id: int, scope_unit_id: int, text: str, actor: str) -> None:
    text = text.strip()
    if not text or len(text) > NOTE_MAX:
        raise InvalidInput(f"a note is 1 to {NOTE_MAX} characters")
    with write_transaction(session):
        case = _load(session, case_id, scope_unit_id)
        session.add(CaseNote(case_id=case.id, author=actor, text=text))
        audit(session, actor, "case.note", f"case {case.id}")


def close(session: Session, case_id: int, scope_unit_id: int, state: str, resolution: str, actor: str) -> None:
    if state not in ("resolved", "dismissed"):
        raise InvalidInput("a case closes as resolved or dismissed")
    resolution = resolution.strip()
    if not resolution or len(resolution) > NOTE_MAX:
        raise InvalidInput("say how the case was resolved (or why it is dismissed)")
    with write_transaction(session):
        case = _load(session, case_id, scope_unit_id)
        if case.state not in OPEN_STATES:
            raise InvalidInput("the case is already closed")
        case.state, case.resolution, case.closed_at = state, resolution, datetime.now(UTC)
        audit(session, actor, f"case.{state}", f"case {case.id}", resolution=resolution)


def open_missing_cases(session: Session, due_days: int, tz: str) -> int:
    """Open cases for negative responses that have none (responses loaded in bulk, like the demo's)."""
    from feedback.models import Answer, Question
    from feedback.services.summaries import local_day

    rows = session.execute(
        select(Response, Question.type)
        .join(Answer, Answer.response_id == Response.id)
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(FollowUpCase, FollowUpCase.response_id == Response.id)
        .where(Question.code == "overall", Answer.value_int == 1, FollowUpCase.id.is_(None))
    ).all()
    for response, qtype in rows:
        k = 5 if qtype == "rating5" else 3
        open_case(session, response, f"overall rated 1 of {k}", local_day(response.submitted_at, tz), due_days)
    return len(rows)


def digest_lines(session: Session, scope_unit_id: int, day: date, tz: str) -> list[str]:
    """One line per case opened on ``day`` (local) in the subtree: what a manager's daily email lists."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    low = datetime.combine(day, datetime.min.time(), zone)
    high = low + timedelta(days=1)
    stmt = (
        select(FollowUpCase, Response.receipt, Response.comment, Unit.name_vi)
        .join(Response, Response.id == FollowUpCase.response_id)
        .join(Unit, Unit.id == FollowUpCase.unit_id)
        .where(
            FollowUpCase.unit_id.in_(subtree_ids(session, scope_unit_id)),
            FollowUpCase.opened_at >= low,
            FollowUpCase.opened_at < high,
        )
        .order_by(FollowUpCase.id)
    )
    return [
        f"- {unit} · {receipt[:4]}-{receipt[4:]} · hạn {case.due_on:%d/%m/%Y}"
        + (f" · “{comment[:200]}”" if comment else "")
        for case, receipt, comment, unit in session.execute(stmt)
    ]
