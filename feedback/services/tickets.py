"""Tickets: a one-time, expiring invitation to rate one served transaction."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Counter, Service, Staff, Ticket, Unit
from feedback.services.errors import Forbidden, InvalidInput, NotFound, TicketInvalid
from feedback.services.scope import in_subtree

DEFAULT_TTL_MINUTES = 24 * 60
MAX_TTL_MINUTES = 7 * 24 * 60
REFERENCE_RE = re.compile(r"^[\w./\-: ]{1,64}$")


class TicketSigner:
    """Signs token ids with the app secret, so a forged or altered token is refused without a lookup."""

    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, salt="feedback.ticket", digest_method=hashlib.sha256)

    def sign(self, token_id: str) -> str:
        return self._signer.sign(token_id).decode("ascii")

    def unsign(self, token: str) -> str:
        try:
            token_id = self._signer.unsign(token.encode("ascii", "replace")).decode("ascii")
        except BadSignature:
            raise TicketInvalid("forged") from None
        # base64 leaves spare bits in the last character: only the canonical spelling of a token is accepted.
        if not hmac.compare_digest(self.sign(token_id), token):
            raise TicketInvalid("forged")
        return token_id


@dataclass(frozen=True)
class IssuedTicket:
    token: str
    expires_at: datetime
    counter_code: str


@dataclass(frozen=True)
class TicketView:
    id: int
    counter_code: str
    unit_id: int
    staff_id: int | None
    staff_name: str | None
    service_id: int | None
    service_code: str | None
    service_name_vi: str | None
    service_name_en: str | None
    expires_at: datetime


def issue_ticket(
    session: Session,
    signer: TicketSigner,
    *,
    scope_unit_id: int,
    counter_code: str,
    staff_code: str | None = None,
    service_code: str | None = None,
    reference: str | None = None,
    ttl_minutes: int | None = None,
    api_key_id: int | None = None,
    now: datetime | None = None,
) -> IssuedTicket:
    """Issue a ticket for a counter in the caller's unit subtree; staff and service are optional."""
    now = now or datetime.now(UTC)
    ttl = DEFAULT_TTL_MINUTES if ttl_minutes is None else ttl_minutes
    if not 1 <= ttl <= MAX_TTL_MINUTES:
        raise InvalidInput(f"ttl_minutes must be between 1 and {MAX_TTL_MINUTES}")
    if reference is not None and not REFERENCE_RE.match(reference):
        raise InvalidInput("reference must be 1-64 letters, digits, spaces or . / - : _")
    with write_transaction(session):
        row = session.execute(
            select(Counter, Unit.active).join(Unit, Counter.unit_id == Unit.id).where(Counter.code == counter_code)
        ).first()
        if row is None:
            raise NotFound(f"no counter with code {counter_code!r}")
        counter, unit_active = row
        if not in_subtree(session, scope_unit_id, counter.unit_id):
            raise Forbidden(f"counter {counter_code!r} is outside this key's unit")
        if not (counter.active and unit_active):
            raise InvalidInput(f"counter {counter_code!r} is not active")
        staff_id = service_id = None
        if staff_code is not None:
            staff_id = session.scalar(select(Staff.id).where(Staff.code == staff_code, Staff.active.is_(True)))
            if staff_id is None:
                raise InvalidInput(f"no active staff member with code {staff_code!r}")
        if service_code is not None:
            service_id = session.scalar(
                select(Service.id).where(Service.code == service_code, Service.active.is_(True))
            )
            if service_id is None:
                raise InvalidInput(f"no active service with code {service_code!r}")
        ticket = Ticket(
            token_id=secrets.token_urlsafe(16),
            unit_id=counter.unit_id,
            counter_id=counter.id,
            staff_id=staff_id,
            service_id=service_id,
            reference=reference,
            issued_at=now,
            expires_at=now + timedelta(minutes=ttl),
            api_key_id=api_key_id,
        )
        session.add(ticket)
        session.flush()
        return IssuedTicket(signer.sign(ticket.token_id), ticket.expires_at, counter.code)


def open_ticket(session: Session, signer: TicketSigner, token: str, now: datetime | None = None) -> TicketView:
    """The ticket behind a token, if it can still be used; else TicketInvalid(forged|unknown|used|expired)."""
    token_id = signer.unsign(token)
    row = session.execute(
        select(Ticket, Counter.code, Staff.full_name, Service.code, Service.name_vi, Service.name_en)
        .join(Counter, Ticket.counter_id == Counter.id)
        .outerjoin(Staff, Ticket.staff_id == Staff.id)
        .outerjoin(Service, Ticket.service_id == Service.id)
        .where(Ticket.token_id == token_id)
    ).first()
    if row is None:
        raise TicketInvalid("unknown")
    ticket, counter_code, staff_name, service_code, service_vi, service_en = row
    check_usable(ticket, now or datetime.now(UTC))
    return TicketView(
        ticket.id,
        counter_code,
        ticket.unit_id,
        ticket.staff_id,
        staff_name,
        ticket.service_id,
        service_code,
        service_vi,
        service_en,
        ticket.expires_at,
    )


def check_usable(ticket: Ticket, now: datetime) -> None:
    if ticket.used_at is not None:
        raise TicketInvalid("used")
    if now >= ticket.expires_at:
        raise TicketInvalid("expired")
