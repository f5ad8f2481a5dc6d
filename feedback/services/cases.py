"""Follow-up cases for negative feedback: opened with the response, answered within working days."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Answer, Counter, FollowUpCase, Question, Response, ResponseContact, Unit, User
from feedback.models.case import CASE_STATES, CaseNote
from feedback.services.audit import audit
from feedback.services.errors import InvalidInput, NotFound
from feedback.services.scope import in_subtree, subtree_ids
from feedback.services.summaries import RATING_SCALES, local_day

OPEN_STATES = ("open", "in_progress")
NOTE_MAX = 4000

# Vietnam's public holidays on fixed solar dates (Labour Code 2019, art. 112): New Year's Day,
# Reunification Day, Labour Day, National Day. The second National Day holiday (1 or 3 September),
# Tết and the Hùng Kings' day (lunar calendar) and any day off in lieu are announced each year:
# they come from the FEEDBACK_HOLIDAYS setting.
FIXED_HOLIDAYS = ((1, 1), (4, 30), (5, 1), (9, 2))

# What opens a case (SPEC §2; FEEDBACK_CASE_OPENS_ON): "bottom", the overall rating at the bottom of its
# scale; "dissatisfied", any overall rating below neutral (1-2 of 5, 1 of 3); "complaint", a comment the
# citizen marked as a complaint with the template's yes/no question coded "complaint".
CASE_TRIGGERS = ("bottom", "dissatisfied", "complaint")
DEFAULT_TRIGGERS = ("bottom", "complaint")
OVERALL_CODE = "overall"
COMPLAINT_CODE = "complaint"
COMMENT_CODE = "comment"
COMPLAINT_REASON = "marked as a complaint"


def is_working_day(day: date, holidays: Iterable[date] = frozenset()) -> bool:
    """Monday to Friday, and neither a fixed public holiday nor one of ``holidays``."""
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS and day not in holidays


def add_working_days(start: date, days: int, holidays: Iterable[date] = frozenset()) -> date:
    """``days`` working days after ``start``: weekends, the fixed public holidays and ``holidays`` are skipped."""
    holidays = holidays if isinstance(holidays, frozenset | set) else frozenset(holidays)
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current, holidays):
            left -= 1
    return current


def parse_holidays(text: str, where: str = "") -> frozenset[date]:
    """ISO dates separated by commas, spaces or new lines; ``#`` starts a comment to the end of the line.

    Raises ValueError naming the entry (and its line, for a file) that is not a date.
    """
    days = set()
    for number, line in enumerate(text.splitlines(), start=1):
        for item in re.split(r"[\s,;]+", line.split("#", 1)[0].strip()):
            if not item:
                continue
            try:
                days.add(date.fromisoformat(item))
            except ValueError:
                place = f"{where}, line {number}: " if where else ""
                raise ValueError(f"{place}{item!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(days)


def read_holiday_file(path: str) -> frozenset[date]:
    """The dates listed in the file at ``path`` (see ``parse_holidays``); OSError if it cannot be read."""
    return parse_holidays(Path(path).read_text(encoding="utf-8"), where=path)


def parse_triggers(text: str) -> tuple[str, ...]:
    """``"bottom,complaint"`` -> ("bottom", "complaint"); raises ValueError on an unknown name."""
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in CASE_TRIGGERS]
    if unknown:
        raise ValueError(f"unknown {', '.join(unknown)}; use a comma-separated list of {', '.join(CASE_TRIGGERS)}")
    return names


def negative_reason(
    answers: Mapping[str, int | str | None],
    question_types: Mapping[str, str],
    triggers: Iterable[str] = DEFAULT_TRIGGERS,
) -> str | None:
    """Why a response opens a follow-up case under ``triggers`` (SPEC §2), or None.

    ``question_types`` maps the template's question codes to their types: the rating rules look at the
    rating question coded "overall", the complaint rule at a yes/no question coded "complaint" answered
    yes (1) with a comment.
    """
    reasons = []
    level, scale = answers.get(OVERALL_CODE), RATING_SCALES.get(question_types.get(OVERALL_CODE, ""))
    if scale and isinstance(level, int):
        bottom = level == 1 and "bottom" in triggers
        below_neutral = level <= (2 if scale == 5 else 1) and "dissatisfied" in triggers
        if bottom or below_neutral:
            reasons.append(f"overall rated {level} of {scale}")
    comment = answers.get(COMMENT_CODE)
    if (
        "complaint" in triggers
        and question_types.get(COMPLAINT_CODE) == "yesno"
        and answers.get(COMPLAINT_CODE) == 1
        and isinstance(comment, str)
        and comment.strip()
    ):
        reasons.append(COMPLAINT_REASON)
    return "; ".join(reasons) or None


def open_case(
    session: Session,
    response: Response,
    reason: str,
    today: date,
    due_days: int,
    holidays: Iterable[date] = frozenset(),
) -> FollowUpCase:
    """Open the case inside the submit transaction, so a negative response never goes without one."""
    case = FollowUpCase(
        response_id=response.id,
        unit_id=response.unit_id,
        state="open",
        reason=reason,
        due_on=add_working_days(today, due_days, holidays),
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
        raise NotFound(f"no case {case_id}", code="case.unknown", case_id=case_id)
    return case


def assign(session: Session, case_id: int, scope_unit_id: int, email: str, actor: str) -> User:
    with write_transaction(session):
        case = _load(session, case_id, scope_unit_id)
        user = next((u for u in assignable_users(session, case.unit_id) if u.email == email.strip().lower()), None)
        if user is None:
            raise InvalidInput("choose a manager whose units include this case", code="case.assignee")
        case.assignee_id = user.id
        if case.state == "open":
            case.state = "in_progress"
        audit(session, actor, "case.assign", f"case {case.id}", assignee=user.email)
        return user


def set_due(session: Session, case_id: int, scope_unit_id: int, due_on: date, actor: str) -> None:
    with write_transaction(session):
        case = _load(session, case_id, scope_unit_id)
        if due_on < case.opened_at.date():
            raise InvalidInput("the due date is before the case was opened", code="case.due_before_opened")
        audit(session, actor, "case.due", f"case {case.id}", before=case.due_on.isoformat(), after=due_on.isoformat())
        case.due_on = due_on


def add_note(session: Session, case_id: int, scope_unit_id: int, text: str, actor: str) -> None:
    text = text.strip()
    if not text or len(text) > NOTE_MAX:
        raise InvalidInput(f"a note is 1 to {NOTE_MAX} characters", code="case.note", max=NOTE_MAX)
    with write_transaction(session):
        case = _load(session, case_id, scope_unit_id)
        session.add(CaseNote(case_id=case.id, author=actor, text=text))
        audit(session, actor, "case.note", f"case {case.id}")


def close(session: Session, case_id: int, scope_unit_id: int, state: str, resolution: str, actor: str) -> None:
    if state not in ("resolved", "dismissed"):
        raise InvalidInput("a case closes as resolved or dismissed", code="case.close_state")
    resolution = resolution.strip()
    if not resolution or len(resolution) > NOTE_MAX:
        raise InvalidInput(
            "say how the case was resolved (or why it is dismissed)", code="case.resolution", max=NOTE_MAX
        )
    with write_transaction(session):
        case = _load(session, case_id, scope_unit_id)
        if case.state not in OPEN_STATES:
            raise InvalidInput("the case is already closed", code="case.closed")
        case.state, case.resolution, case.closed_at = state, resolution, datetime.now(UTC)
        audit(session, actor, f"case.{state}", f"case {case.id}", resolution=resolution)


def open_missing_cases(
    session: Session,
    due_days: int,
    tz: str,
    triggers: Iterable[str] = DEFAULT_TRIGGERS,
    holidays: Iterable[date] = frozenset(),
) -> int:
    """Open cases for negative responses that have none (responses loaded in bulk, like the demo's)."""
    candidates = (
        select(Response.id)
        .join(Answer, Answer.response_id == Response.id)
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(FollowUpCase, FollowUpCase.response_id == Response.id)
        .where(
            FollowUpCase.id.is_(None),
            or_(
                and_(Question.code == OVERALL_CODE, Answer.value_int <= 2),
                and_(Question.code == COMPLAINT_CODE, Answer.value_int == 1, Response.comment.is_not(None)),
            ),
        )
        .distinct()
    )
    ids = list(session.scalars(candidates))
    answers: dict[int, dict[str, int | str | None]] = {i: {} for i in ids}
    types: dict[int, dict[str, str]] = {i: {} for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for response_id, code, qtype, value in session.execute(
            select(Answer.response_id, Question.code, Question.type, Answer.value_int)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.response_id.in_(chunk), Question.code.in_((OVERALL_CODE, COMPLAINT_CODE)))
        ):
            answers[response_id][code], types[response_id][code] = value, qtype
    opened = 0
    for start in range(0, len(ids), 500):
        for response in session.scalars(select(Response).where(Response.id.in_(ids[start : start + 500]))):
            answers[response.id][COMMENT_CODE] = response.comment
            reason = negative_reason(answers[response.id], types[response.id], triggers)
            if reason:
                open_case(session, response, reason, local_day(response.submitted_at, tz), due_days, holidays)
                opened += 1
    return opened


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
