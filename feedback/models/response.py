"""A citizen's response and its answers; the optional contact is kept apart so it can be purged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base
from feedback.models._types import UTCDateTime, utcnow

CHANNELS = ("ticket", "counter", "kiosk")
STATUSES = ("valid", "excluded")
ATTRIBUTIONS = ("ticket", "signed_in", "citizen_choice", "none")
FLAG_CODES = ("burst", "internal_network", "off_hours", "repeat_device", "kiosk_interval")


class Response(Base):
    __tablename__ = "response"
    __table_args__ = (
        Index("ix_response_unit_submitted", "unit_id", "submitted_at"),
        Index("ix_response_counter_submitted", "counter_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt: Mapped[str] = mapped_column(String(12), unique=True)
    # Chosen by the form when it is shown: a double tap or a retried POST stores one response.
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id", ondelete="RESTRICT"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"), index=True)
    staff_attribution: Mapped[str] = mapped_column(String(16), default="none")
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="RESTRICT"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id", ondelete="RESTRICT"), index=True)
    # At most one response per ticket: the database decides a race between two submits.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="RESTRICT"), unique=True)
    kiosk_device_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_device.id", ondelete="SET NULL"))
    # Salted hashes only (SPEC §6); the salt changes each month, so they cannot follow a person for long.
    ip_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    device_hash: Mapped[str | None] = mapped_column(String(32), index=True)
    suspect: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    comment: Mapped[str | None] = mapped_column(Text)
    # The comment lower-cased without Vietnamese diacritics, so "thai do" finds "thái độ".
    comment_folded: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="valid")
    excluded_reason: Mapped[str | None] = mapped_column(String(500))
    excluded_by: Mapped[str | None] = mapped_column(String(255))
    excluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Moves on every change (stored, excluded, restored); the response feed pages by (updated_at, id).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    flags: Mapped[list[ResponseFlag]] = relationship(back_populates="response", cascade="all, delete-orphan")
    contact: Mapped[ResponseContact | None] = relationship(back_populates="response", cascade="all, delete-orphan")


class Answer(Base):
    """One answer. Ratings, NPS and yes/no (1/0) are in ``value_int``; choices and text in ``value_text``."""

    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="RESTRICT"), index=True)
    value_int: Mapped[int | None] = mapped_column(Integer)
    value_text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")


class ResponseContact(Base):
    """A contact the citizen chose to leave, with the consent they gave. Purged after the retention period."""

    __tablename__ = "response_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), unique=True)
    contact: Mapped[str] = mapped_column(String(255))
    consent_text: Mapped[str] = mapped_column(Text)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="contact")


class ResponseFlag(Base):
    """An integrity flag raised on a response when it was stored, with the reason in words."""

    __tablename__ = "response_flag"
    __table_args__ = (UniqueConstraint("response_id", "code", name="uq_response_flag_response_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500))

    response: Mapped[Response] = relationship(back_populates="flags")
