"""Transaction volumes pushed by the one-stop-shop system: upserted, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.db import write_transaction
from feedback.models import Service, TransactionVolume, Unit
from feedback.services.errors import Forbidden, InvalidInput
from feedback.services.scope import in_subtree

MAX_ITEMS = 10_000


@dataclass(frozen=True)
class Volume:
    unit: str
    day: date
    transactions: int
    service: str | None = None


def upsert_volumes(session: Session, scope_unit_id: int, volumes: list[Volume]) -> tuple[int, int]:
    """Store each (unit, day, service) count, replacing an earlier one; return (created, updated)."""
    if len(volumes) > MAX_ITEMS:
        raise InvalidInput(f"at most {MAX_ITEMS} items per call")
    keys = [(v.unit, v.day, v.service) for v in volumes]
    if len(set(keys)) != len(keys):
        raise InvalidInput("the same unit, day and service appear twice")
    created = updated = 0
    with write_transaction(session):
        units = dict(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_({v.unit for v in volumes}))).all())
        services = dict(
            session.execute(
                select(Service.code, Service.id).where(Service.code.in_({v.service for v in volumes if v.service}))
            ).all()
        )
        for position, volume in enumerate(volumes):
            unit_id = units.get(volume.unit)
            if unit_id is None:
                raise InvalidInput(f"item {position}: no unit with code {volume.unit!r}")
            if not in_subtree(session, scope_unit_id, unit_id):
                raise Forbidden(f"item {position}: unit {volume.unit!r} is outside this key's unit")
            service_id = 0
            if volume.service:
                service_id = services.get(volume.service)
                if service_id is None:
                    raise InvalidInput(f"item {position}: no service with code {volume.service!r}")
            row = session.scalar(
                select(TransactionVolume).where(
                    TransactionVolume.unit_id == unit_id,
                    TransactionVolume.day == volume.day,
                    TransactionVolume.service_id == service_id,
                )
            )
            if row is None:
                session.add(
                    TransactionVolume(
                        unit_id=unit_id, day=volume.day, service_id=service_id, transactions=volume.transactions
                    )
                )
                created += 1
            elif row.transactions != volume.transactions:
                row.transactions = volume.transactions
                updated += 1
    return created, updated
