"""Kiosk tablets and who is on duty at a counter.

A tablet is enrolled to one counter by a one-time link an administrator creates; the link sets a
long-lived signed cookie. Staff sign in at the kiosk with their code and PIN (or a manager puts them
on duty), and responses at that counter are attributed to whoever is on duty at that moment.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from feedback.db import write_transaction
from feedback.models import Counter, CounterShift, KioskDevice, Staff, Unit
from feedback.services.errors import FeedbackError, InvalidInput, NotFound

ENROL_TTL = timedelta(hours=24)
PIN_RE = re.compile(r"^\d{6,8}$")


class KioskDenied(FeedbackError):
    """This browser is not an enrolled kiosk of this counter (or its enrolment was revoked)."""


class SignInFailed(FeedbackError):
    pass


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class DeviceSigner:
    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, salt="feedback.kiosk", digest_method=hashlib.sha256)

    def cookie(self, device_id: int, device_secret: str) -> str:
        return self._signer.sign(f"{device_id}:{device_secret}").decode("ascii")

    def read(self, value: str | None) -> tuple[int, str]:
        if not value:
            raise KioskDenied("no kiosk cookie")
        try:
            raw = self._signer.unsign(value.encode("ascii", "replace")).decode("ascii")
        except BadSignature:
            raise KioskDenied("the kiosk cookie is not valid") from None
        device_id, _, device_secret = raw.partition(":")
        if not device_id.isdigit() or not device_secret:
            raise KioskDenied("the kiosk cookie is not valid")
        return int(device_id), device_secret


@dataclass(frozen=True)
class Kiosk:
    device_id: int
    counter_id: int
    counter_code: str


def create_enrolment(session: Session, counter_code: str, name: str = "", now: datetime | None = None) -> str:
    """Make a one-time enrolment token for a new kiosk at ``counter_code``; valid for 24 hours."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(24)
    with write_transaction(session):
        counter = session.scalar(select(Counter).where(Counter.code == counter_code))
        if counter is None:
            raise NotFound(f"no counter with code {counter_code!r}")
        session.add(
            KioskDevice(
                counter_id=counter.id,
                name=name.strip()[:100],
                enrol_hash=_hash(token),
                enrol_expires_at=now + ENROL_TTL,
            )
        )
    return token


def enrol_device(session: Session, token: str, now: datetime | None = None) -> tuple[int, str, str]:
    """Use an enrolment token once; return (device id, device secret, counter code)."""
    now = now or datetime.now(UTC)
    with write_transaction(session):
        row = session.execute(
            select(KioskDevice, Counter.code)
            .join(Counter, KioskDevice.counter_id == Counter.id)
            .where(KioskDevice.enrol_hash == _hash(token))
        ).first()
        if row is None:
            raise KioskDenied("this enrolment link is not valid or was already used")
        device, counter_code = row
        if now >= device.enrol_expires_at or device.revoked_at is not None:
            raise KioskDenied("this enrolment link has expired")
        secret = secrets.token_urlsafe(24)
        device.enrol_hash = None
        device.secret_hash = _hash(secret)
        device.enrolled_at = now
        return device.id, secret, counter_code


def peek_enrolment(session: Session, token: str) -> str:
    """The counter code an unused, unexpired enrolment token is for (without using it)."""
    row = session.execute(
        select(KioskDevice.enrol_expires_at, KioskDevice.revoked_at, Counter.code)
        .join(Counter, KioskDevice.counter_id == Counter.id)
        .where(KioskDevice.enrol_hash == _hash(token))
    ).first()
    if row is None or row.revoked_at is not None or datetime.now(UTC) >= row.enrol_expires_at:
        raise KioskDenied("this enrolment link is not valid or was already used")
    return row.code


def verify_device(session: Session, device_id: int, device_secret: str, counter_code: str) -> Kiosk:
    row = session.execute(
        select(KioskDevice, Counter.code, Counter.active, Unit.active)
        .join(Counter, KioskDevice.counter_id == Counter.id)
        .join(Unit, Counter.unit_id == Unit.id)
        .where(KioskDevice.id == device_id)
    ).first()
    if row is None:
        raise KioskDenied("unknown kiosk")
    device, code, counter_active, unit_active = row
    if device.revoked_at is not None or device.secret_hash is None:
        raise KioskDenied("this kiosk's enrolment was revoked")
    if not hmac.compare_digest(device.secret_hash, _hash(device_secret)):
        raise KioskDenied("this kiosk was enrolled again on another device")
    if code != counter_code:
        raise KioskDenied(f"this kiosk is enrolled at counter {code}")
    if not (counter_active and unit_active):
        raise KioskDenied("this counter is not taking feedback")
    return Kiosk(device.id, device.counter_id, code)


def revoke_devices(session: Session, counter_code: str) -> int:
    with write_transaction(session):
        counter_id = session.scalar(select(Counter.id).where(Counter.code == counter_code))
        if counter_id is None:
            raise NotFound(f"no counter with code {counter_code!r}")
        result = session.execute(
            update(KioskDevice)
            .where(KioskDevice.counter_id == counter_id, KioskDevice.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        return result.rowcount or 0


def set_staff_pin(session: Session, staff_code: str, pin: str) -> None:
    if not PIN_RE.match(pin):
        raise InvalidInput("a PIN is 6 to 8 digits")
    with write_transaction(session):
        staff = session.scalar(select(Staff).where(Staff.code == staff_code))
        if staff is None:
            raise NotFound(f"no staff member with code {staff_code!r}")
        staff.pin_hash = generate_password_hash(pin)


def _open_shift(session: Session, counter_id: int, staff_id: int, method: str, now: datetime) -> None:
    session.execute(
        update(CounterShift)
        .where(CounterShift.counter_id == counter_id, CounterShift.ended_at.is_(None))
        .values(ended_at=now)
    )
    session.flush()
    session.add(CounterShift(counter_id=counter_id, staff_id=staff_id, started_at=now, method=method))


def sign_in_with_pin(session: Session, counter_id: int, staff_code: str, pin: str) -> str:
    """Put a staff member on duty at a counter after checking their PIN; return their name."""
    now = datetime.now(UTC)
    with write_transaction(session):
        staff = session.scalar(select(Staff).where(Staff.code == staff_code.strip(), Staff.active.is_(True)))
        if staff is None or not staff.pin_hash or not check_password_hash(staff.pin_hash, pin):
            raise SignInFailed("staff code or PIN is not right")
        _open_shift(session, counter_id, staff.id, "pin", now)
        return staff.full_name


def put_on_duty(session: Session, counter_code: str, staff_code: str | None) -> str | None:
    """A manager's choice: ``staff_code`` on duty at the counter, or nobody when None."""
    now = datetime.now(UTC)
    with write_transaction(session):
        counter_id = session.scalar(select(Counter.id).where(Counter.code == counter_code))
        if counter_id is None:
            raise NotFound(f"no counter with code {counter_code!r}")
        if staff_code is None:
            sign_out_at(session, counter_id, now)
            return None
        staff = session.scalar(select(Staff).where(Staff.code == staff_code, Staff.active.is_(True)))
        if staff is None:
            raise NotFound(f"no active staff member with code {staff_code!r}")
        _open_shift(session, counter_id, staff.id, "manager", now)
        return staff.full_name


def sign_out_at(session: Session, counter_id: int, now: datetime) -> None:
    session.execute(
        update(CounterShift)
        .where(CounterShift.counter_id == counter_id, CounterShift.ended_at.is_(None))
        .values(ended_at=now)
    )


def sign_out(session: Session, counter_id: int) -> None:
    with write_transaction(session):
        sign_out_at(session, counter_id, datetime.now(UTC))


def on_duty(session: Session, counter_id: int) -> tuple[int, str] | None:
    """(staff id, name) of who is on duty at the counter now, if anyone."""
    row = session.execute(
        select(Staff.id, Staff.full_name)
        .join(CounterShift, CounterShift.staff_id == Staff.id)
        .where(CounterShift.counter_id == counter_id, CounterShift.ended_at.is_(None))
    ).first()
    return (row.id, row.full_name) if row else None
