"""Storing a citizen's response: once, whole, or not at all."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Answer, Counter, Response, ResponseContact, ResponseFlag, Service, Ticket, Unit
from feedback.services import cases, summaries
from feedback.services.errors import CounterInactive, CounterNotFound, InvalidInput, TicketInvalid
from feedback.services.integrity import IntegrityRules, Origin, compute_flags
from feedback.services.kiosk import on_duty
from feedback.services.surveys import SurveyDef
from feedback.services.text import fold
from feedback.services.tickets import check_usable

# Crockford's base32 without I, L, O, U: easy to read aloud and to type from a screenshot.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_LENGTH = 8
COMMENT_CODE = "comment"

# Shown beside the unticked consent box, and stored with the contact as the citizen saw it: the
# record of an explicit, informed consent for one purpose (Decree 13/2023/NĐ-CP). A changed
# wording is a new consent text; old records keep theirs.
CONSENT_TEXTS = {
    "vi": "Tôi đồng ý để cơ quan dùng số điện thoại hoặc email này chỉ để liên hệ lại về góp ý của tôi. "
    "Thông tin này được xoá sau thời hạn lưu trữ hoặc khi tôi yêu cầu.",
    "en": "I agree that the office may use this phone number or email only to contact me about my feedback. "
    "It is deleted after the retention period or when I ask.",
}


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def format_receipt(receipt: str) -> str:
    return f"{receipt[:4]}-{receipt[4:]}"


@dataclass
class Submission:
    """What a citizen sent, already validated by the form."""

    submission_id: str
    answers: dict[str, int | str | None]
    language: str = "vi"
    channel: str = "counter"  # "ticket" and "kiosk" set ticket_id / origin.kiosk_device_id
    service_code: str | None = None
    contact: str | None = None
    consent_text: str | None = None
    ticket_id: int | None = None
    origin: Origin = field(default_factory=Origin)


@dataclass(frozen=True)
class Stored:
    receipt: str
    created: bool  # False when the submission id had already been stored
    flags: tuple[str, ...] = ()


def submit_response(
    session: Session,
    counter_code: str,
    survey: SurveyDef,
    submission: Submission,
    rules: IntegrityRules | None = None,
    now: datetime | None = None,
) -> Stored:
    """Store one response with its answers, attribution and integrity flags in one transaction.

    A submission id that was already stored returns the first receipt (a double tap or a retried
    request is one response). A ticket is used at most once: the unique ``response.ticket_id``
    decides a race, and the loser gets TicketInvalid("used").
    """
    rules = rules or IntegrityRules()
    for _attempt in range(3):
        try:
            with write_transaction(session):
                existing = _receipt_for(session, submission.submission_id)
                if existing is not None:
                    return Stored(existing, created=False)
                return _insert(session, counter_code, survey, submission, rules, now or _utcnow())
        except IntegrityError:
            # Another request stored the same submission id or used the same ticket first
            # (PostgreSQL lets both reach the insert), or, about once in 10^12, a receipt collided.
            existing = _receipt_for(session, submission.submission_id)
            ticket_used = submission.ticket_id is not None and session.scalar(
                select(Response.id).where(Response.ticket_id == submission.ticket_id)
            )
            session.rollback()
            if existing is not None:
                return Stored(existing, created=False)
            if ticket_used:
                raise TicketInvalid("used") from None
    raise RuntimeError("could not allocate a receipt number")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def stored_submission(session: Session, submission_id: str) -> tuple[str, str] | None:
    """(counter code, receipt) of the response stored under ``submission_id``, if any."""
    row = session.execute(
        select(Counter.code, Response.receipt)
        .join(Counter, Counter.id == Response.counter_id)
        .where(Response.submission_id == submission_id)
    ).first()
    return (row[0], row[1]) if row else None


def _receipt_for(session: Session, submission_id: str) -> str | None:
    return session.scalar(select(Response.receipt).where(Response.submission_id == submission_id))


def _insert(
    session: Session, counter_code: str, survey: SurveyDef, submission: Submission, rules: IntegrityRules, now: datetime
) -> Stored:
    row = session.execute(
        select(Counter.id, Counter.active, Unit.id, Unit.active)
        .join(Unit, Counter.unit_id == Unit.id)
        .where(Counter.code == counter_code)
    ).first()
    if row is None:
        raise CounterNotFound(counter_code)
    counter_id, counter_active, unit_id, unit_active = row
    staff_id, attribution, service_id = None, "none", None
    if submission.ticket_id is not None:
        ticket = session.scalar(select(Ticket).where(Ticket.id == submission.ticket_id).with_for_update())
        if ticket is None or ticket.counter_id != counter_id:
            raise TicketInvalid("unknown")
        check_usable(ticket, now)
        ticket.used_at = now
        staff_id, service_id = ticket.staff_id, ticket.service_id
        attribution = "ticket" if staff_id else "none"
    elif not (counter_active and unit_active):
        raise CounterInactive(counter_code)
    if staff_id is None:
        duty = on_duty(session, counter_id)
        if duty is not None:
            staff_id, attribution = duty[0], "signed_in"
    if service_id is None and submission.service_code:
        service_id = session.scalar(
            select(Service.id).where(Service.code == submission.service_code, Service.active.is_(True))
        )
    flags = compute_flags(
        session,
        unit_id=unit_id,
        counter_id=counter_id,
        channel=submission.channel,
        origin=submission.origin,
        now=now,
        rules=rules,
    )
    response = Response(
        receipt=new_receipt(),
        submission_id=submission.submission_id,
        channel=submission.channel,
        unit_id=unit_id,
        counter_id=counter_id,
        staff_id=staff_id,
        staff_attribution=attribution,
        service_id=service_id,
        version_id=survey.version_id,
        ticket_id=submission.ticket_id,
        kiosk_device_id=submission.origin.kiosk_device_id,
        ip_hash=submission.origin.ip_hash,
        device_hash=submission.origin.device_hash,
        submitted_at=now,
        language=submission.language,
        status="valid",
        suspect=bool(flags),
    )
    for question in survey.questions:
        value = submission.answers.get(question.code)
        if value is None or value == "":
            if question.required:
                raise InvalidInput(f"question {question.code} is required")
            continue
        if question.code == COMMENT_CODE and question.type == "text":
            response.comment = str(value)
            response.comment_folded = fold(response.comment)
        elif isinstance(value, int):
            response.answers.append(Answer(question_id=question.id, value_int=value))
        else:
            response.answers.append(Answer(question_id=question.id, value_text=str(value)))
    for code, reason in flags:
        response.flags.append(ResponseFlag(code=code, reason=reason[:500]))
    if submission.contact:
        if not submission.consent_text:
            raise InvalidInput("a contact needs the citizen's consent")
        response.contact = ResponseContact(contact=submission.contact, consent_text=submission.consent_text)
    session.add(response)
    session.flush()
    summaries.record(session, response, _rated(survey, submission.answers), tz=rules.timezone)
    types = {q.code: q.type for q in survey.questions}
    reason = cases.negative_reason(submission.answers, types, rules.case_opens_on)
    if reason:
        today = summaries.local_day(now, rules.timezone)
        cases.open_case(session, response, reason, today, rules.case_due_working_days, rules.case_holidays)
    return Stored(response.receipt, created=True, flags=tuple(code for code, _ in flags))


def _rated(survey: SurveyDef, answers: dict[str, int | str | None]) -> list[summaries.Rated]:
    rated = []
    for question in survey.questions:
        value = answers.get(question.code)
        if question.type in summaries.RATING_SCALES and question.dimension and isinstance(value, int):
            rated.append(summaries.Rated(question.dimension, summaries.RATING_SCALES[question.type], value))
    return rated
