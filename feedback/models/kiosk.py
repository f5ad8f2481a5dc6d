"""Kiosk tablets enrolled to a counter, and who is on duty at a counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base
from feedback.models._types import UTCDateTime, utcnow
from feedback.models.directory import Counter, Staff


class KioskDevice(Base):
    """A tablet bound to one counter by a signed, long-lived cookie set through a one-time link."""

    __tablename__ = "kiosk_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    enrol_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # cleared once used
    enrol_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Changes on every enrolment, so an old cookie stops working when a device is re-enrolled.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    counter: Mapped[Counter] = relationship()


class CounterShift(Base):
    """A staff member on duty at a counter, from sign-in to sign-out (open while ``ended_at`` is null)."""

    __tablename__ = "counter_shift"
    __table_args__ = (
        Index(
            "uq_counter_shift_open",
            "counter_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id", ondelete="RESTRICT"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "pin" (the staff member at the kiosk) or "manager" (chosen by a manager or administrator).
    method: Mapped[str] = mapped_column(String(10))

    staff: Mapped[Staff] = relationship()
