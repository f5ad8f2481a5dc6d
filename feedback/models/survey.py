"""Survey templates, their immutable versions and questions, and assignment to units."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.db import Base
from feedback.models._types import UTCDateTime, utcnow

QUESTION_TYPES = ("rating5", "rating3", "nps", "yesno", "choice", "text")
RATING_TYPES = ("rating5", "rating3")
# Field names the citizen form uses for itself; a question code may not take them.
RESERVED_FIELDS = frozenset({"csrf_token", "submission_id", "service", "contact", "contact_consent", "website", "lang"})


class SurveyTemplate(Base):
    __tablename__ = "survey_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255), default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[SurveyVersion]] = relationship(back_populates="template", order_by="SurveyVersion.number")


class SurveyVersion(Base):
    """One immutable list of questions. Editing a template makes a new version."""

    __tablename__ = "survey_version"
    __table_args__ = (UniqueConstraint("template_id", "number", name="uq_survey_version_template_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_template.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[SurveyTemplate] = relationship(back_populates="versions")
    questions: Mapped[list[Question]] = relationship(
        back_populates="version", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Base):
    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("version_id", "code", name="uq_question_version_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    dimension: Mapped[str | None] = mapped_column(String(40))
    text_vi: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    # For ``choice``: [{"value": "...", "label_vi": "...", "label_en": "..."}]; for ``text``: {"max_length": n}.
    options: Mapped[Any | None] = mapped_column(JSON(none_as_null=True), default=None)

    version: Mapped[SurveyVersion] = relationship(back_populates="questions")

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" and self.text_en else self.text_vi


class TemplateAssignment(Base):
    """A template assigned to a unit's subtree. The nearest assignment up the tree wins."""

    __tablename__ = "template_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("survey_template.id", ondelete="RESTRICT"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    template: Mapped[SurveyTemplate] = relationship()
