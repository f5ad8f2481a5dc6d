"""Storing a citizen's response: once, whole, or not at all."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Answer, Counter, Response, ResponseContact, Service, Unit
from feedback.services.errors import CounterInactive, CounterNotFound, InvalidInput
from feedback.services.surveys import SurveyDef

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
    channel: str = "counter"
    service_code: str | None = None
    contact: str | None = None
    consent_text: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stored:
    receipt: str
    created: bool  # False when the submission id had already been stored


def submit_response(session: Session, counter_code: str, survey: SurveyDef, submission: Submission) -> Stored:
    """Store one response with its answers in one transaction and return its receipt.

    A submission id that was already stored returns the first receipt (a double tap or a
    retried request is one response); the unique constraint decides a race between the two.
    """
    for _attempt in range(3):
        try:
            with write_transaction(session):
                existing = _receipt_for(session, submission.submission_id)
                if existing is not None:
                    return Stored(existing, created=False)
                return Stored(_insert(session, counter_code, survey, submission), created=True)
        except IntegrityError:
            # Another request stored the same submission id first (PostgreSQL lets both reach the
            # insert), or, about once in 10^12, a receipt collided and another is drawn.
            existing = _receipt_for(session, submission.submission_id)
            session.rollback()
            if existing is not None:
                return Stored(existing, created=False)
    raise RuntimeError("could not allocate a receipt number")


def _receipt_for(session: Session, submission_id: str) -> str | None:
    return session.scalar(select(Response.receipt).where(Response.submission_id == submission_id))


def _insert(session: Session, counter_code: str, survey: SurveyDef, submission: Submission) -> str:
    row = session.execute(
        select(Counter.id, Counter.active, Unit.id, Unit.active)
        .join(Unit, Counter.unit_id == Unit.id)
        .where(Counter.code == counter_code)
    ).first()
    if row is None:
        raise CounterNotFound(counter_code)
    counter_id, counter_active, unit_id, unit_active = row
    if not (counter_active and unit_active):
        raise CounterInactive(counter_code)
    service_id = None
    if submission.service_code:
        service_id = session.scalar(
            select(Service.id).where(Service.code == submission.service_code, Service.active.is_(True))
        )
    response = Response(
        receipt=new_receipt(),
        submission_id=submission.submission_id,
        channel=submission.channel,
        unit_id=unit_id,
        counter_id=counter_id,
        service_id=service_id,
        version_id=survey.version_id,
        language=submission.language,
        staff_attribution="none",
        status="valid",
    )
    for question in survey.questions:
        value = submission.answers.get(question.code)
        if value is None or value == "":
            if question.required:
                raise InvalidInput(f"question {question.code} is required")
            continue
        if question.code == COMMENT_CODE and question.type == "text":
            response.comment = str(value)
        elif isinstance(value, int):
            response.answers.append(Answer(question_id=question.id, value_int=value))
        else:
            response.answers.append(Answer(question_id=question.id, value_text=str(value)))
    if submission.contact:
        if not submission.consent_text:
            raise InvalidInput("a contact needs the citizen's consent")
        response.contact = ResponseContact(contact=submission.contact, consent_text=submission.consent_text)
    session.add(response)
    session.flush()
    return response.receipt
