"""Follow-up cases: a negative response that someone must answer within a deadline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base
from feedback.models._types import UTCDateTime, utcnow

CASE_STATES = ("open", "in_progress", "resolved", "dismissed")


class FollowUpCase(Base):
    __tablename__ = "follow_up_case"
    __table_args__ = (Index("ix_follow_up_case_unit_state", "unit_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(12), default="open")
    reason: Mapped[str] = mapped_column(String(255))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)

    notes: Mapped[list[CaseNote]] = relationship(back_populates="case", order_by="CaseNote.at")


class CaseNote(Base):
    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("follow_up_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)

    case: Mapped[FollowUpCase] = relationship(back_populates="notes")
