"""The KPI rules in force: versioned, never edited in place, every change audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.kpi.metrics import KpiRules
from feedback.models import KpiRuleSet
from feedback.services.audit import audit
from feedback.services.errors import InvalidInput


def current_rules(session: Session) -> KpiRules:
    """The latest rules version (the built-in defaults as version 1 until someone changes them)."""
    row = session.scalar(select(KpiRuleSet).order_by(KpiRuleSet.version.desc()).limit(1))
    if row is None:
        return KpiRules()
    return KpiRules.from_dict({**row.rules, "version": row.version})


def rules_version(session: Session, version: int) -> KpiRules | None:
    row = session.scalar(select(KpiRuleSet).where(KpiRuleSet.version == version))
    return KpiRules.from_dict({**row.rules, "version": row.version}) if row else None


def ensure_default_rules(session: Session) -> None:
    """Record the defaults as version 1, so every export can name the version it used."""
    with write_transaction(session):
        if session.scalar(select(func.count()).select_from(KpiRuleSet)) == 0:
            defaults = KpiRules().to_dict()
            defaults.pop("version", None)
            session.add(KpiRuleSet(version=1, rules=defaults, actor="system", note="built-in defaults"))


def change_rules(session: Session, changes: dict[str, Any], actor: str, note: str = "") -> KpiRules:
    """Make a new rules version from the current one with ``changes``; refuse invalid rules."""
    with write_transaction(session):
        current = current_rules(session).to_dict()
        current.update(changes)
        version = (session.scalar(select(func.max(KpiRuleSet.version))) or 0) + 1
        current["version"] = version
        try:
            rules = KpiRules.from_dict(current)
        except ValueError as exc:
            raise InvalidInput(str(exc), code="rules.invalid") from None
        stored = rules.to_dict()
        stored.pop("version", None)
        session.add(KpiRuleSet(version=version, rules=stored, actor=actor, note=note[:500]))
        audit(session, actor, "kpi.rules", f"version {version}", changes=changes, note=note)
        return rules
