"""Excluding a response from the KPI (with a reason), and restoring it; both audited."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Response
from feedback.services import summaries
from feedback.services.audit import audit
from feedback.services.errors import InvalidInput, NotFound
from feedback.services.responses import format_receipt

REASON_MAX = 500


def _load(session: Session, receipt: str) -> Response:
    response = session.scalar(
        select(Response).where(Response.receipt == receipt.replace("-", "").upper()).with_for_update()
    )
    if response is None:
        raise NotFound(f"no response with receipt {receipt!r}", code="response.unknown", receipt=receipt)
    return response


def exclude_response(
    session: Session, receipt: str, reason: str, actor: str, tz: str = summaries.DEFAULT_TZ
) -> Response:
    """Take a response out of every metric, keeping it and counting it as excluded. A reason is required."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("a reason is required to exclude a response", code="exclude.reason", max=REASON_MAX)
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"the reason is longer than {REASON_MAX} characters", code="exclude.reason", max=REASON_MAX)
    with write_transaction(session):
        response = _load(session, receipt)
        if response.status == "excluded":
            raise InvalidInput(
                f"response {response.receipt} is already excluded",
                code="response.already_excluded",
                receipt=format_receipt(response.receipt),
            )
        rated = summaries.rated_answers(session, response.id)
        summaries.record(session, response, rated, sign=-1, tz=tz)
        response.status = "excluded"
        response.excluded_reason, response.excluded_by = reason, actor
        response.excluded_at = datetime.now(UTC)
        response.updated_at = datetime.now(UTC)
        summaries.record(session, response, rated, sign=1, tz=tz)
        audit(session, actor, "response.exclude", response.receipt, reason=reason)
        return response


def restore_response(session: Session, receipt: str, actor: str, tz: str = summaries.DEFAULT_TZ) -> Response:
    """Put an excluded response back into the metrics."""
    with write_transaction(session):
        response = _load(session, receipt)
        if response.status != "excluded":
            raise InvalidInput(
                f"response {response.receipt} is not excluded",
                code="response.not_excluded",
                receipt=format_receipt(response.receipt),
            )
        rated = summaries.rated_answers(session, response.id)
        summaries.record(session, response, rated, sign=-1, tz=tz)
        previous = response.excluded_reason
        response.status = "valid"
        response.excluded_reason = response.excluded_by = response.excluded_at = None
        response.updated_at = datetime.now(UTC)
        summaries.record(session, response, rated, sign=1, tz=tz)
        audit(session, actor, "response.restore", response.receipt, previous_reason=previous)
        return response
