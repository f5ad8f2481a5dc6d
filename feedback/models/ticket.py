"""A one-time invitation to rate one served transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base
from feedback.models._types import UTCDateTime, utcnow
from feedback.models.directory import Counter, Service, Staff, Unit


class Ticket(Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    # 128 random bits; the URL carries it signed, so a forged token is refused without a lookup.
    token_id: Mapped[str] = mapped_column(String(32), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id", ondelete="RESTRICT"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="RESTRICT"))
    reference: Mapped[str | None] = mapped_column(String(64))  # mã hồ sơ
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter] = relationship()
    staff: Mapped[Staff | None] = relationship()
    service: Mapped[Service | None] = relationship()
