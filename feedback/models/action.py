"""Improvement actions (PDCA "Act"): what an office changed, from when, and on which dimension."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import Base
from feedback.models._types import UTCDateTime, utcnow


class ImprovementAction(Base):
    __tablename__ = "improvement_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id", ondelete="SET NULL"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    dimension: Mapped[str] = mapped_column(String(40), default="overall")
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
