"""User accounts: created by an administrator, signed in with a strong hash, scoped to a unit subtree."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from feedback.db import write_transaction
from feedback.models import Staff, Unit, User
from feedback.models.user import ROLES
from feedback.services.audit import audit
from feedback.services.errors import InvalidInput, NotFound

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
MIN_PASSWORD = 12


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the account does not exist, so a wrong email costs as long as a wrong
    password. Made on first use: scrypt takes 32 MB and 80 ms, which no CLI command or worker start
    should pay."""
    return generate_password_hash("not-a-real-password-0000")


@dataclass(frozen=True)
class SignedIn:
    id: int
    email: str
    role: str
    unit_id: int
    staff_id: int | None
    session_version: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD} characters", code="password.length", min=MIN_PASSWORD
        )
    if len(password) > 256:
        raise InvalidInput("a password has at most 256 characters", code="password.length", min=MIN_PASSWORD)
    name = email.split("@")[0].lower() if email else ""
    if len(name) >= 4 and name in password.lower():
        raise InvalidInput("the password must not contain the email's name", code="password.email")
    if len(set(password)) < 6:
        raise InvalidInput("the password repeats too few characters", code="password.repetitive")


def create_user(
    session: Session,
    email: str,
    role: str,
    unit_code: str,
    password: str,
    staff_code: str | None = None,
    actor: str = "cli",
) -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise InvalidInput(f"{email!r} is not an email address", code="user.email", email=email)
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", code="user.role")
    check_password_strength(password, email)
    with write_transaction(session):
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            raise InvalidInput(f"a user with email {email} already exists", code="user.exists", email=email)
        unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code))
        if unit_id is None:
            raise NotFound(f"no unit with code {unit_code!r}", code="unit.unknown", unit=unit_code)
        staff_id = None
        if role == "staff":
            if not staff_code:
                raise InvalidInput(
                    "a staff user needs --staff CODE (whose scores they may see)", code="user.staff_needed"
                )
            staff_id = session.scalar(select(Staff.id).where(Staff.code == staff_code))
            if staff_id is None:
                raise NotFound(f"no staff member with code {staff_code!r}", code="staff.unknown", staff=staff_code)
        user = User(
            email=email, password_hash=generate_password_hash(password), role=role, unit_id=unit_id, staff_id=staff_id
        )
        session.add(user)
        session.flush()
        audit(session, actor, "user.create", email, role=role, unit=unit_code)
        return user


def set_active(session: Session, email: str, active: bool, actor: str = "cli") -> None:
    with write_transaction(session):
        user = session.scalar(select(User).where(User.email == normalise_email(email)))
        if user is None:
            raise NotFound(f"no user with email {email!r}", code="user.unknown", email=email)
        user.active = active
        user.session_version += 1
        audit(session, actor, "user.enable" if active else "user.disable", user.email)


def authenticate(session: Session, email: str, password: str) -> SignedIn | None:
    """The user if the email and password match an active account; None otherwise (same cost either way)."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    with write_transaction(session):
        user = session.get(User, user.id)
        user.last_login_at = datetime.now(UTC)
        audit(session, user.email, "login", user.email)
    return _signed_in(user)


def load_signed_in(session: Session, user_id: int, session_version: int) -> SignedIn | None:
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != session_version:
        return None
    return _signed_in(user)


def _signed_in(user: User) -> SignedIn:
    return SignedIn(user.id, user.email, user.role, user.unit_id, user.staff_id, user.session_version)
