"""What the administration pages read and the few acts they need beyond the existing use cases.

Everything here is limited to a unit subtree (the administrator's): the lists, the audit log, and the
directory import from the browser, which refuses rows that reach outside the subtree and can run as a
preview (the same checks and upserts, then rolled back).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import (
    ApiKey,
    AuditEvent,
    Counter,
    Service,
    Staff,
    SurveyTemplate,
    SurveyVersion,
    TemplateAssignment,
    Unit,
    User,
)
from feedback.services import directory
from feedback.services.audit import audit
from feedback.services.directory import KINDS, DirectoryImportError, ImportSummary, Parsed, RowError, parse_csv
from feedback.services.scope import subtree_ids

AUDIT_LIMIT = 200


# --- lists ---------------------------------------------------------------------------------------


def is_root_unit(session: Session, unit_id: int) -> bool:
    unit = session.get(Unit, unit_id)
    return unit is not None and unit.parent_id is None


def units_in_scope(session: Session, root_id: int) -> list[Unit]:
    return list(session.scalars(select(Unit).where(Unit.id.in_(subtree_ids(session, root_id))).order_by(Unit.code)))


def unit_in_scope(session: Session, root_id: int, code: str) -> Unit | None:
    """The unit with ``code`` if it lies in the subtree of ``root_id``; None when unknown or outside."""
    return session.scalar(
        select(Unit).where(Unit.code == (code or "").strip(), Unit.id.in_(subtree_ids(session, root_id)))
    )


def _with_unit_code(session: Session, model, root_id: int) -> list[tuple]:  # noqa: ANN001
    """(row, its unit's code) for each counter or staff member of the subtree, by code."""
    rows = session.execute(
        select(model, Unit.code)
        .join(Unit, model.unit_id == Unit.id)
        .where(model.unit_id.in_(subtree_ids(session, root_id)))
        .order_by(model.code)
    )
    return [(row, code) for row, code in rows]


def counters_in_scope(session: Session, root_id: int) -> list[tuple[Counter, str]]:
    return _with_unit_code(session, Counter, root_id)


def staff_in_scope(session: Session, root_id: int) -> list[tuple[Staff, str]]:
    return _with_unit_code(session, Staff, root_id)


def staff_code_in_scope(session: Session, root_id: int, code: str) -> bool:
    return (
        session.scalar(select(Staff.id).where(Staff.code == code, Staff.unit_id.in_(subtree_ids(session, root_id))))
        is not None
    )


def all_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).order_by(Service.code)))


def users_in_scope(session: Session, root_id: int) -> list[tuple[User, str, str | None]]:
    rows = session.execute(
        select(User, Unit.code, Staff.code)
        .join(Unit, User.unit_id == Unit.id)
        .outerjoin(Staff, User.staff_id == Staff.id)
        .where(User.unit_id.in_(subtree_ids(session, root_id)))
        .order_by(User.email)
    )
    return [(u, unit_code, staff_code) for u, unit_code, staff_code in rows]


def user_in_scope(session: Session, root_id: int, user_id: int) -> User | None:
    return session.scalar(select(User).where(User.id == user_id, User.unit_id.in_(subtree_ids(session, root_id))))


def keys_in_scope(session: Session, root_id: int) -> list[tuple[ApiKey, str]]:
    rows = session.execute(
        select(ApiKey, Unit.code)
        .join(Unit, ApiKey.unit_id == Unit.id)
        .where(ApiKey.unit_id.in_(subtree_ids(session, root_id)))
        .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    return [(k, code) for k, code in rows]


def key_in_scope(session: Session, root_id: int, prefix: str) -> ApiKey | None:
    return session.scalar(
        select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.unit_id.in_(subtree_ids(session, root_id)))
    )


# --- survey templates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRow:
    code: str
    name: str
    latest: int | None


@dataclass(frozen=True)
class AssignmentRow:
    unit: Unit
    assigned: str | None  # the template assigned to this very unit
    effective: str  # the nearest assignment up the tree, else the built-in default
    inherited_from: str | None  # the unit code the effective assignment comes from, when not this unit


def templates_with_latest(session: Session) -> list[TemplateRow]:
    latest = (
        select(SurveyVersion.template_id, func.max(SurveyVersion.number).label("latest"))
        .group_by(SurveyVersion.template_id)
        .subquery()
    )
    rows = session.execute(
        select(SurveyTemplate.code, SurveyTemplate.name_vi, latest.c.latest)
        .outerjoin(latest, latest.c.template_id == SurveyTemplate.id)
        .order_by(SurveyTemplate.code)
    )
    return [TemplateRow(code, name, number) for code, name, number in rows]


def assignments_in_scope(session: Session, root_id: int, default_code: str = "default") -> list[AssignmentRow]:
    parents = dict(session.execute(select(Unit.id, Unit.parent_id)).all())
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())
    direct = dict(
        session.execute(
            select(TemplateAssignment.unit_id, SurveyTemplate.code).join(
                SurveyTemplate, SurveyTemplate.id == TemplateAssignment.template_id
            )
        ).all()
    )
    rows = []
    for unit in units_in_scope(session, root_id):
        effective, source, current, seen = default_code, None, unit.id, set()
        while current is not None and current not in seen:
            seen.add(current)
            if current in direct:
                effective, source = direct[current], current
                break
            current = parents.get(current)
        rows.append(
            AssignmentRow(
                unit=unit,
                assigned=direct.get(unit.id),
                effective=effective,
                inherited_from=codes.get(source) if source is not None and source != unit.id else None,
            )
        )
    return rows


# --- audit log -----------------------------------------------------------------------------------


def audit_events(session: Session, root_id: int, action_prefix: str = "", limit: int = AUDIT_LIMIT) -> list[AuditEvent]:
    """The latest events the administrator of ``root_id`` may read, newest first.

    An administrator of a root unit reads every event. Below the root, an event is shown when its actor is a
    user of the subtree or one of its API keys (``apikey:<prefix>``), or when its target is such a user's
    email or such a key's prefix: what the subtree's people and keys did, and what was done to them.
    """
    query = select(AuditEvent)
    if not is_root_unit(session, root_id):
        scope = subtree_ids(session, root_id)
        emails = select(User.email).where(User.unit_id.in_(scope))
        prefixes = select(ApiKey.prefix).where(ApiKey.unit_id.in_(scope))
        key_actors = select("apikey:" + ApiKey.prefix).where(ApiKey.unit_id.in_(scope))
        query = query.where(
            or_(
                AuditEvent.actor.in_(emails),
                AuditEvent.actor.in_(key_actors),
                AuditEvent.target.in_(emails),
                AuditEvent.target.in_(prefixes),
            )
        )
    prefix = (action_prefix or "").strip()[:60]
    if prefix:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditEvent.action.like(escaped + "%", escape="\\"))
    return list(session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))


# --- directory import from the browser -----------------------------------------------------------


class _Preview(Exception):  # noqa: N818  (control flow: roll the preview back)
    def __init__(self, summary: ImportSummary) -> None:
        super().__init__("preview")
        self.summary = summary


def import_in_scope(
    session: Session,
    files: dict[str, tuple[str, bytes]],
    root_id: int,
    actor: str,
    *,
    write: bool,
) -> ImportSummary:
    """Check the files as ``directory.import_directory`` does, plus the administrator's scope; then upsert.

    With ``write=False`` (the preview) the same checks and upserts run inside the transaction, which is then
    rolled back: the counts are what a real import would do at that moment. With ``write=True`` the import is
    committed with a ``directory.import`` audit event. Raises DirectoryImportError (nothing written) on any
    problem, including a row that would reach outside the subtree.
    """
    unknown = set(files) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown directory kinds: {', '.join(sorted(unknown))}")
    errors: list[RowError] = []
    parsed = {kind: parse_csv(KINDS[kind], name, data, errors) for kind, (name, data) in files.items()}
    try:
        with write_transaction(session):
            _check_scope(session, parsed, root_id, errors)
            directory._check_references(session, parsed, errors)  # noqa: SLF001
            if errors:
                raise DirectoryImportError(errors)
            summary = ImportSummary()
            if "units" in parsed:
                summary.counts["units"] = directory._upsert_units(session, parsed["units"], errors)  # noqa: SLF001
            if "services" in parsed:
                summary.counts["services"] = directory._upsert_simple(  # noqa: SLF001
                    session, Service, parsed["services"], ("name_vi", "name_en", "field")
                )
            units = {u.code: u.id for u in session.scalars(select(Unit))}
            if "counters" in parsed:
                summary.counts["counters"] = directory._upsert_with_unit(  # noqa: SLF001
                    session, Counter, parsed["counters"], units, ("label_vi", "label_en")
                )
            if "staff" in parsed:
                summary.counts["staff"] = directory._upsert_with_unit(  # noqa: SLF001
                    session, Staff, parsed["staff"], units, ("full_name", "position", "email")
                )
            if errors:
                raise DirectoryImportError(errors)
            if not write:
                raise _Preview(summary)
            audit(
                session,
                actor,
                "directory.import",
                ", ".join(name for name, _data in files.values())[:255],
                counts=summary.counts,
            )
    except _Preview as preview:
        return preview.summary
    return summary


def _check_scope(session: Session, parsed: dict[str, Parsed], root_id: int, errors: list[RowError]) -> None:
    """Refuse rows that would create, change or attach to anything outside the subtree of ``root_id``."""
    scope_ids = set(session.scalars(subtree_ids(session, root_id)))
    unit_scope = {code: uid in scope_ids for uid, code in session.execute(select(Unit.id, Unit.code))}
    root = session.get(Unit, root_id)
    root_parent = session.get(Unit, root.parent_id).code if root.parent_id else ""
    is_root_admin = root.parent_id is None
    new_in_file: set[str] = set()
    if "units" in parsed:
        p = parsed["units"]
        for row in p.rows:
            code = row.values["code"]
            if code in unit_scope and not unit_scope[code]:
                errors.append(_outside(p.file, row.line, "code", code))
            elif code not in unit_scope:
                new_in_file.add(code)
        for row in p.rows:
            code = row.values["code"]
            if code in unit_scope and not unit_scope[code]:
                continue
            has_parent = "parent_code" in row.values
            parent = row.values.get("parent_code", "")
            if code == root.code:
                if has_parent and parent != root_parent:
                    errors.append(
                        RowError(p.file, row.line, "parent_code", "you cannot move your own top unit", "scope.top_unit")
                    )
            elif code in new_in_file and not parent:
                errors.append(
                    RowError(
                        p.file,
                        row.line,
                        "parent_code",
                        "a new unit needs a parent_code within your units",
                        "scope.parent_needed",
                    )
                )
            elif has_parent:
                if not parent:
                    errors.append(
                        RowError(
                            p.file,
                            row.line,
                            "parent_code",
                            "a unit below yours needs a parent within your units",
                            "scope.parent_needed",
                        )
                    )
                elif parent in unit_scope and not unit_scope[parent]:
                    errors.append(_outside(p.file, row.line, "parent_code", parent))
    for kind, model in (("counters", Counter), ("staff", Staff)):
        if kind not in parsed:
            continue
        p = parsed[kind]
        owner = {code: uid in scope_ids for code, uid in session.execute(select(model.code, model.unit_id))}
        for row in p.rows:
            code, unit_code = row.values["code"], row.values["unit_code"]
            if code in owner and not owner[code]:
                errors.append(
                    RowError(
                        p.file,
                        row.line,
                        "code",
                        f"{code} belongs to a unit outside your units",
                        "scope.owner",
                        {"code": code},
                    )
                )
            if unit_code in unit_scope and not unit_scope[unit_code]:
                errors.append(_outside(p.file, row.line, "unit_code", unit_code))
    if "services" in parsed and not is_root_admin:
        p = parsed["services"]
        message = "services are shared by the whole province; only an administrator of a top unit may import them"
        errors.append(RowError(p.file, 1, None, message, "scope.services"))


def _outside(file: str, line: int, column: str, unit_code: str) -> RowError:
    return RowError(file, line, column, f"unit {unit_code} is outside your units", "scope.unit", {"unit": unit_code})
