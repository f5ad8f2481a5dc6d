"""Which survey a counter shows, as immutable snapshots that are cheap to cache."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from feedback.models import Counter, Question, SurveyTemplate, SurveyVersion, TemplateAssignment, Unit
from feedback.services.errors import CounterNotFound

DEFAULT_TEMPLATE = "default"


@dataclass(frozen=True)
class QuestionDef:
    id: int
    code: str
    type: str
    required: bool
    dimension: str | None
    text_vi: str
    text_en: str
    options: Any

    def text(self, lang: str) -> str:
        return self.text_en if lang == "en" and self.text_en else self.text_vi

    @property
    def max_length(self) -> int | None:
        if self.type == "text" and isinstance(self.options, dict):
            return self.options.get("max_length")
        return None


@dataclass(frozen=True)
class SurveyDef:
    version_id: int
    template_code: str
    version_number: int
    questions: tuple[QuestionDef, ...]


@dataclass(frozen=True)
class CounterView:
    id: int
    code: str
    label_vi: str
    label_en: str
    active: bool
    unit_id: int
    unit_code: str
    unit_name_vi: str
    unit_name_en: str
    version_id: int

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" and self.label_en else self.label_vi

    def unit_name(self, lang: str) -> str:
        return self.unit_name_en if lang == "en" and self.unit_name_en else self.unit_name_vi


class NoSurveyConfigured(RuntimeError):
    """No template is assigned up the tree and the built-in default is missing (run ``db upgrade``)."""


def assigned_version_id(session: Session, unit_id: int) -> int:
    """The latest active version of the nearest template assigned up the unit tree, else of ``default``."""
    ancestors = (
        select(Unit.id, Unit.parent_id, literal(0).label("depth"))
        .where(Unit.id == unit_id)
        .cte("ancestors", recursive=True)
    )
    ancestors = ancestors.union_all(
        select(Unit.id, Unit.parent_id, ancestors.c.depth + 1).join(ancestors, Unit.id == ancestors.c.parent_id)
    )
    template_id = session.scalar(
        select(TemplateAssignment.template_id)
        .join(ancestors, ancestors.c.id == TemplateAssignment.unit_id)
        .order_by(ancestors.c.depth)
        .limit(1)
    )
    if template_id is None:
        template_id = session.scalar(select(SurveyTemplate.id).where(SurveyTemplate.code == DEFAULT_TEMPLATE))
    version_id = None
    if template_id is not None:
        version_id = session.scalar(
            select(SurveyVersion.id)
            .where(SurveyVersion.template_id == template_id, SurveyVersion.active.is_(True))
            .order_by(SurveyVersion.number.desc())
            .limit(1)
        )
    if version_id is None:
        raise NoSurveyConfigured("no survey template is available; run `flask --app wsgi db upgrade`")
    return version_id


def load_survey(session: Session, version_id: int) -> SurveyDef:
    version = session.get(SurveyVersion, version_id)
    if version is None:
        raise NoSurveyConfigured(f"survey version {version_id} does not exist")
    questions = session.scalars(
        select(Question).where(Question.version_id == version_id).order_by(Question.position)
    ).all()
    return SurveyDef(
        version_id=version.id,
        template_code=version.template.code,
        version_number=version.number,
        questions=tuple(
            QuestionDef(q.id, q.code, q.type, q.required, q.dimension, q.text_vi, q.text_en, q.options)
            for q in questions
        ),
    )


def load_counter(session: Session, code: str) -> CounterView:
    row = session.execute(
        select(Counter, Unit).join(Unit, Counter.unit_id == Unit.id).where(Counter.code == code)
    ).first()
    if row is None:
        raise CounterNotFound(code)
    counter, unit = row
    return CounterView(
        id=counter.id,
        code=counter.code,
        label_vi=counter.label_vi,
        label_en=counter.label_en,
        active=counter.active and unit.active,
        unit_id=unit.id,
        unit_code=unit.code,
        unit_name_vi=unit.name_vi,
        unit_name_en=unit.name_en,
        version_id=assigned_version_id(session, unit.id),
    )


class SurveyCache:
    """Counter snapshots for a few seconds, survey versions for ever (a version never changes).

    The citizen page is the hottest path in the product; with this cache a warm GET reads
    nothing from the database. A directory change shows within ``ttl`` seconds.
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._counters: dict[str, tuple[float, CounterView]] = {}
        self._surveys: dict[int, SurveyDef] = {}
        self._lock = threading.Lock()

    def counter(self, session: Session, code: str) -> CounterView:
        now = time.monotonic()
        hit = self._counters.get(code)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        view = load_counter(session, code)
        if self.ttl > 0:
            with self._lock:
                if len(self._counters) > 50_000:
                    self._counters.clear()
                self._counters[code] = (now, view)
        return view

    def survey(self, session: Session, version_id: int) -> SurveyDef:
        survey = self._surveys.get(version_id)
        if survey is None:
            survey = load_survey(session, version_id)
            if self.ttl > 0:
                with self._lock:
                    self._surveys[version_id] = survey
        return survey

    def clear(self) -> None:
        with self._lock:
            self._counters.clear()
            self._surveys.clear()
