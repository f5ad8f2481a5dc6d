"""The audit log: one row per act that changes what people are evaluated on, or who may see what."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from feedback.models import AuditEvent


def audit(session: Session, actor: str, action: str, target: str = "", **detail: Any) -> None:
    """Add an audit event to the caller's transaction (it commits or rolls back with the act)."""
    session.add(AuditEvent(actor=actor[:255], action=action[:60], target=target[:255], detail=detail))
