"""Summary tables the KPI reads, the versioned KPI rules, transaction volumes and the audit log.

The summaries are kept in the same transaction as each submission, exclusion or restore, and
``kpi rebuild`` recomputes them from the responses; a test checks both give the same rows. Each
response is summed per local day and per calendar month (rows whose grain starts with ``m.`` and
whose ``day`` is the month's first day), so a KPI call reads whole months from monthly rows and
only the period's ragged edges from daily rows: its cost grows with groups × (months + edge days),
not with responses. Columns that may be "none" use 0 (or "") rather than NULL so they can be part
of the unique key the upserts rely on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base
from feedback.models._types import UTCDateTime, utcnow

GROUP_COLUMNS = ("grain", "day", "unit_id", "counter_id", "staff_id", "service_id", "channel")
# Each response is summed at five grains, so a KPI call reads only the rows of the grouping it asks
# for: (day, unit) | (day, unit, counter) | (day, unit, staff) | (day, unit, service) | (day, unit,
# channel). Columns that a grain does not use are 0 or "".
GRAINS = ("unit", "counter", "staff", "service", "channel")
MONTHLY_PREFIX = "m."


def monthly(grain: str) -> str:
    """The grain name of the monthly rows of ``grain``: "staff" -> "m.staff"."""
    return MONTHLY_PREFIX + grain


class AnswerFact(Base):
    """Per local day (or month) and group: the sums of one rating dimension over valid responses."""

    __tablename__ = "fact_answer_daily"
    __table_args__ = (
        UniqueConstraint(*GROUP_COLUMNS, "dimension", "k", "suspect", name="uq_fact_answer_daily_key"),
        Index("ix_fact_answer_daily_grain_day_unit", "grain", "day", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(Integer)
    counter_id: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10), default="", server_default="")
    dimension: Mapped[str] = mapped_column(String(40))
    k: Mapped[int] = mapped_column(Integer)
    suspect: Mapped[bool] = mapped_column(Boolean)
    n: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    # How many answered each level (l4, l5 stay 0 on the three-level scale): the distribution charts.
    l1: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l2: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l3: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l4: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    l5: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ResponseFact(Base):
    """Per local day (or month) and group: how many responses, by status and whether they carry a flag."""

    __tablename__ = "fact_response_daily"
    __table_args__ = (
        UniqueConstraint(*GROUP_COLUMNS, "status", "suspect", name="uq_fact_response_daily_key"),
        Index("ix_fact_response_daily_grain_day_unit", "grain", "day", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(Integer)
    counter_id: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10))
    suspect: Mapped[bool] = mapped_column(Boolean)
    responses: Mapped[int] = mapped_column(Integer, default=0)


class KpiRuleSet(Base):
    """One version of the KPI rules. Versions are never edited: a change adds a version."""

    __tablename__ = "kpi_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    rules: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(String(500), default="")


class TransactionVolume(Base):
    """Transactions served per unit and day, pushed by the one-stop-shop system (service 0: all services)."""

    __tablename__ = "transaction_volume"
    __table_args__ = (UniqueConstraint("unit_id", "day", "service_id", name="uq_transaction_volume_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    service_id: Mapped[int] = mapped_column(Integer, default=0)
    transactions: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    """Who did what, when: exports, exclusions, rule changes, directory and key changes."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[Any] = mapped_column(JSON, default=dict)
