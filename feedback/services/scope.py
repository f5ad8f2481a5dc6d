"""Unit subtrees: every page, export and API call is scoped by one."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from feedback.models import Unit


def in_subtree(session: Session, root_unit_id: int, unit_id: int) -> bool:
    """True when ``unit_id`` is ``root_unit_id`` or lies below it."""
    if root_unit_id == unit_id:
        return True
    up = (
        select(Unit.id, Unit.parent_id, literal(0).label("depth"))
        .where(Unit.id == unit_id)
        .cte("scope_up", recursive=True)
    )
    up = up.union_all(select(Unit.id, Unit.parent_id, up.c.depth + 1).join(up, Unit.id == up.c.parent_id))
    return session.scalar(select(up.c.id).where(up.c.id == root_unit_id).limit(1)) is not None


def subtree_ids(session: Session, root_unit_id: int):  # noqa: ANN201
    """A selectable of the ids of ``root_unit_id`` and every unit below it, to use in ``IN (...)``."""
    down = select(Unit.id).where(Unit.id == root_unit_id).cte("scope_down", recursive=True)
    down = down.union_all(select(Unit.id).join(down, Unit.parent_id == down.c.id))
    return select(down.c.id)
