"""Survey templates: validate the JSON format, import as immutable versions, assign to units.

The JSON format is documented in ``docs/survey-templates.md``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Question, SurveyTemplate, SurveyVersion, TemplateAssignment, Unit
from feedback.models.survey import QUESTION_TYPES, RATING_TYPES, RESERVED_FIELDS
from feedback.services.audit import audit
from feedback.services.errors import InvalidInput, NotFound

CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
BUILTIN = ("default", "vn-official-3")
TEXT_MAX_LIMIT = 5000


@dataclass(frozen=True)
class ImportResult:
    template_code: str
    version_number: int
    created: bool  # False when the questions equal the latest version's


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def _text(obj: dict, key: str, where: str, required: bool = True, limit: int = 1000) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: {key} must be a string")
    value = _nfc(value)
    if required and not value:
        raise InvalidInput(f"{where}: {key} is required")
    if len(value) > limit:
        raise InvalidInput(f"{where}: {key} is longer than {limit} characters")
    return value


def parse_template(data: Any) -> dict[str, Any]:
    """Check a template document and return it normalised; raise InvalidInput naming what is wrong."""
    if not isinstance(data, dict):
        raise InvalidInput("the file must hold one JSON object")
    unknown = set(data) - {"code", "name_vi", "name_en", "questions"}
    if unknown:
        raise InvalidInput(f"unknown keys: {', '.join(sorted(unknown))}")
    code = data.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise InvalidInput(
            "code must be 1-40 characters: lower-case letters, digits, '-' or '_', starting with a letter"
        )
    template = {
        "code": code,
        "name_vi": _text(data, "name_vi", "template", limit=255),
        "name_en": _text(data, "name_en", "template", required=False, limit=255),
    }
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise InvalidInput("questions must be a non-empty list")
    if len(questions) > 50:
        raise InvalidInput("a template has at most 50 questions")
    seen: set[str] = set()
    parsed = []
    for index, raw in enumerate(questions, start=1):
        where = f"question {index}"
        if not isinstance(raw, dict):
            raise InvalidInput(f"{where}: must be an object")
        unknown = set(raw) - {"code", "type", "required", "dimension", "text_vi", "text_en", "options", "max_length"}
        if unknown:
            raise InvalidInput(f"{where}: unknown keys: {', '.join(sorted(unknown))}")
        qcode = raw.get("code")
        if not isinstance(qcode, str) or not CODE_RE.match(qcode):
            raise InvalidInput(f"{where}: code must be lower-case letters, digits, '-' or '_', starting with a letter")
        if qcode in RESERVED_FIELDS:
            raise InvalidInput(f"{where}: code {qcode!r} is reserved by the form")
        if qcode in seen:
            raise InvalidInput(f"{where}: code {qcode!r} appears twice")
        seen.add(qcode)
        where = f"question {qcode!r}"
        qtype = raw.get("type")
        if qtype not in QUESTION_TYPES:
            raise InvalidInput(f"{where}: type must be one of {', '.join(QUESTION_TYPES)}")
        required = raw.get("required", False)
        if not isinstance(required, bool):
            raise InvalidInput(f"{where}: required must be true or false")
        dimension = raw.get("dimension")
        if dimension is not None:
            if qtype not in RATING_TYPES:
                raise InvalidInput(f"{where}: only rating5 and rating3 questions have a dimension")
            if not isinstance(dimension, str) or not CODE_RE.match(dimension):
                raise InvalidInput(f"{where}: dimension must be a short lower-case code")
        options: Any = None
        if qtype == "choice":
            options = _parse_options(raw.get("options"), where)
        elif raw.get("options") is not None:
            raise InvalidInput(f"{where}: only choice questions have options")
        if qtype == "text":
            max_length = raw.get("max_length", 2000)
            if not isinstance(max_length, int) or isinstance(max_length, bool) or not 1 <= max_length <= TEXT_MAX_LIMIT:
                raise InvalidInput(f"{where}: max_length must be a whole number from 1 to {TEXT_MAX_LIMIT}")
            options = {"max_length": max_length}
        elif "max_length" in raw:
            raise InvalidInput(f"{where}: only text questions have max_length")
        parsed.append(
            {
                "code": qcode,
                "type": qtype,
                "required": required,
                "dimension": dimension,
                "text_vi": _text(raw, "text_vi", where),
                "text_en": _text(raw, "text_en", where, required=False),
                "options": options,
            }
        )
    template["questions"] = parsed
    return template


def _parse_options(options: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(options, list) or not 2 <= len(options) <= 20:
        raise InvalidInput(f"{where}: options must be a list of 2 to 20 choices")
    parsed, values = [], set()
    for n, option in enumerate(options, start=1):
        if not isinstance(option, dict):
            raise InvalidInput(f"{where}: option {n} must be an object")
        value = option.get("value")
        if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9_-]{1,40}", value) or value in values:
            raise InvalidInput(f"{where}: option {n} needs a unique value of lower-case letters, digits, '-' or '_'")
        values.add(value)
        parsed.append(
            {
                "value": value,
                "label_vi": _text(option, "label_vi", f"{where} option {n}", limit=255),
                "label_en": _text(option, "label_en", f"{where} option {n}", required=False, limit=255),
            }
        )
    return parsed


def _questions_of(session: Session, version_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(Question).where(Question.version_id == version_id).order_by(Question.position))
    return [
        {
            "code": q.code,
            "type": q.type,
            "required": q.required,
            "dimension": q.dimension,
            "text_vi": q.text_vi,
            "text_en": q.text_en,
            "options": q.options,
        }
        for q in rows
    ]


def _import(session: Session, spec: dict[str, Any], builtin: bool) -> ImportResult:
    template = session.scalar(select(SurveyTemplate).where(SurveyTemplate.code == spec["code"]))
    if template is None:
        template = SurveyTemplate(code=spec["code"], name_vi=spec["name_vi"], name_en=spec["name_en"], builtin=builtin)
        session.add(template)
        session.flush()
    elif template.builtin and not builtin:
        raise InvalidInput(f"template {spec['code']!r} is built in; import yours under another code")
    else:
        template.name_vi, template.name_en = spec["name_vi"], spec["name_en"]
    latest = session.scalar(
        select(SurveyVersion).where(SurveyVersion.template_id == template.id).order_by(SurveyVersion.number.desc())
    )
    if latest is not None and _questions_of(session, latest.id) == spec["questions"]:
        return ImportResult(template.code, latest.number, created=False)
    number = (
        session.scalar(select(func.max(SurveyVersion.number)).where(SurveyVersion.template_id == template.id)) or 0
    ) + 1
    version = SurveyVersion(template_id=template.id, number=number)
    for position, q in enumerate(spec["questions"], start=1):
        version.questions.append(Question(position=position, **q))
    session.add(version)
    session.flush()
    return ImportResult(template.code, number, created=True)


def import_template(session: Session, data: Any) -> ImportResult:
    """Import a template document; questions that differ from the latest version make a new version."""
    spec = parse_template(data)
    with write_transaction(session):
        return _import(session, spec, builtin=False)


def builtin_documents() -> list[dict[str, Any]]:
    folder = resources.files("feedback.surveys") / "builtin"
    return [json.loads((folder / f"{code}.json").read_text(encoding="utf-8")) for code in BUILTIN]


def ensure_builtin_templates(session: Session) -> list[ImportResult]:
    """Make the built-in templates present and current; safe to run on every upgrade."""
    with write_transaction(session):
        return [_import(session, parse_template(doc), builtin=True) for doc in builtin_documents()]


def assign_template(session: Session, template_code: str, unit_code: str, actor: str = "cli") -> None:
    """Assign a template to a unit's subtree (replacing the unit's previous assignment), audited in the
    same transaction."""
    with write_transaction(session):
        template = session.scalar(select(SurveyTemplate).where(SurveyTemplate.code == template_code))
        if template is None:
            raise NotFound(
                f"no survey template with code {template_code!r}", code="template.unknown", template=template_code
            )
        unit = session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise NotFound(f"no unit with code {unit_code!r}", code="unit.unknown", unit=unit_code)
        assignment = session.scalar(select(TemplateAssignment).where(TemplateAssignment.unit_id == unit.id))
        if assignment is None:
            session.add(TemplateAssignment(unit_id=unit.id, template_id=template.id))
        else:
            assignment.template_id = template.id
        audit(session, actor, "template.assign", unit.code, template=template.code)


def export_template(session: Session, template_code: str) -> dict[str, Any]:
    """The latest version of a template in the import format."""
    template = session.scalar(select(SurveyTemplate).where(SurveyTemplate.code == template_code))
    if template is None:
        raise NotFound(f"no survey template with code {template_code!r}")
    latest = session.scalar(
        select(SurveyVersion).where(SurveyVersion.template_id == template.id).order_by(SurveyVersion.number.desc())
    )
    questions = []
    for q in _questions_of(session, latest.id) if latest else []:
        item = {k: v for k, v in q.items() if k != "options" and not (k == "dimension" and v is None)}
        if q["type"] == "choice":
            item["options"] = q["options"]
        if q["type"] == "text":
            item["max_length"] = (q["options"] or {}).get("max_length", 2000)
        questions.append(item)
    return {"code": template.code, "name_vi": template.name_vi, "name_en": template.name_en, "questions": questions}
