"""Narrowing a dashboard to a unit, and to one counter, staff member, service or channel inside it.

Every code is looked up inside the reader's unit subtree only, so a code from outside it gives exactly
what an unknown code gives: nothing is revealed about other units. The summaries hold one grouping per
row (counter, staff, service or channel, never a combination), so at most one of the four applies; the
others are reported as ignored for the page to say so.

Precedence: the first of counter, staff and service that is asked for, then the channel. A counter,
staff member or service names whose work is measured (the KPI's subject), while a channel only says
how the answers were collected; so a channel asked for beside one of them is the filter left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from feedback.models import Counter, ResponseFact, Service, Staff, Unit
from feedback.models.response import CHANNELS
from feedback.services.scope import subtree_ids
from feedback.services.trends import Focus

KINDS = ("counter", "staff", "service")
CODE_MAX = 40
# The channels (models.response.CHANNELS) in the order the filter offers them: the counter's QR, the
# receipt's QR, the kiosk.
CHANNEL_ORDER = ("counter", "ticket", "kiosk")


@dataclass(frozen=True)
class Choice:
    code: str
    name: str


@dataclass
class Narrowed:
    """What the filters resolved to, and what could not be applied."""

    unit: Unit  # the unit whose subtree the figures cover
    focus: Focus
    scope_id: int  # the reader's own unit
    kind: str | None = None  # counter | staff | service | channel, when one applies
    code: str | None = None  # the group's code, or the channel ("kiosk")
    name: str | None = None  # the group's name (none for a channel: the page names it in its language)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (kind, code) not found in the subtree
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (kind, code) left out: only one applies

    def args(self) -> dict[str, str]:
        """The query-string arguments that reproduce what applied (for links)."""
        args = {}
        if self.unit.id != self.scope_id:
            args["unit"] = self.unit.code
        if self.kind:
            args[self.kind] = self.code
        return args


def _clean(code: str | None) -> str | None:
    code = (code or "").strip()
    return code[:CODE_MAX] if code else None


def narrow(
    session: Session,
    scope_unit_id: int,
    start: date,
    end: date,
    *,
    unit: str | None = None,
    counter: str | None = None,
    staff: str | None = None,
    service: str | None = None,
    channel: str | None = None,
) -> Narrowed:
    """Resolve the filters of a dashboard inside the subtree of ``scope_unit_id`` for the period.

    A channel other than those of ``CHANNELS`` is reported as unknown, like a code that is not found.
    """
    scope_unit = session.get(Unit, scope_unit_id)
    root, unknown = scope_unit, []
    unit = _clean(unit)
    if unit:
        found = session.scalar(select(Unit).where(Unit.code == unit, Unit.id.in_(subtree_ids(session, scope_unit_id))))
        if found is None:
            unknown.append(("unit", unit))
        else:
            root = found
    asked = [(kind, code) for kind, code in zip(KINDS, map(_clean, (counter, staff, service)), strict=True) if code]
    narrowed = Narrowed(unit=root, focus=Focus(root.id), scope_id=scope_unit_id, unknown=unknown)
    channel = _clean(channel)
    if channel and channel not in CHANNELS:
        narrowed.unknown.append(("channel", channel))
    elif channel and asked:
        narrowed.ignored.append(("channel", channel))
    elif channel:
        narrowed.focus = Focus(root.id, "channel", channel)
        narrowed.kind, narrowed.code = "channel", channel
    if not asked:
        return narrowed
    (kind, code), narrowed.ignored = asked[0], asked[1:] + narrowed.ignored
    found = _find(session, root.id, start, end, kind, code)
    if found is None:
        narrowed.unknown.append((kind, code))
        return narrowed
    group_id, name = found
    narrowed.focus = Focus(root.id, kind, group_id)
    narrowed.kind, narrowed.code, narrowed.name = kind, code, name
    return narrowed


def _find(session: Session, root_id: int, start: date, end: date, kind: str, code: str) -> tuple[int, str] | None:
    """(id, name) of the counter, staff member or service ``code`` if it is among the subtree's choices."""
    units = subtree_ids(session, root_id)
    if kind == "counter":
        stmt = select(Counter.id, Counter.label_vi).where(Counter.code == code, Counter.unit_id.in_(units))
    elif kind == "staff":
        stmt = select(Staff.id, Staff.full_name).where(
            Staff.code == code,
            or_(Staff.unit_id.in_(units), Staff.id.in_(_given_in(units, start, end, kind))),
        )
    else:
        stmt = select(Service.id, Service.name_vi).where(
            Service.code == code, Service.id.in_(_given_in(units, start, end, kind))
        )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else None


def _given_in(units, start: date, end: date, kind: str):  # noqa: ANN001, ANN202
    """The staff or service ids with responses given in ``units`` (a subtree selectable) during the period."""
    column = getattr(ResponseFact, f"{kind}_id")
    return (
        select(column)
        .distinct()
        .where(
            ResponseFact.grain == kind,
            ResponseFact.day >= start,
            ResponseFact.day <= end,
            ResponseFact.unit_id.in_(units),
        )
    )


def choices(session: Session, scope_unit_id: int, root_id: int, start: date, end: date) -> dict[str, list[Choice]]:
    """What the filter lists offer: the units of the reader's subtree; the counters of the shown unit's
    subtree; the staff who belong to it or served in it during the period; the services rated in it then."""
    units = subtree_ids(session, root_id)
    return {
        "unit": [
            Choice(code, name)
            for code, name in session.execute(
                select(Unit.code, Unit.name_vi)
                .where(Unit.id.in_(subtree_ids(session, scope_unit_id)))
                .order_by(Unit.code)
            )
        ],
        "counter": [
            Choice(code, name)
            for code, name in session.execute(
                select(Counter.code, Counter.label_vi).where(Counter.unit_id.in_(units)).order_by(Counter.code)
            )
        ],
        "staff": [
            Choice(code, name)
            for code, name in session.execute(
                select(Staff.code, Staff.full_name)
                .where(or_(Staff.unit_id.in_(units), Staff.id.in_(_given_in(units, start, end, "staff"))))
                .order_by(Staff.full_name, Staff.code)
            )
        ],
        "service": [
            Choice(code, name)
            for code, name in session.execute(
                select(Service.code, Service.name_vi)
                .where(Service.id.in_(_given_in(units, start, end, "service")))
                .order_by(Service.code)
            )
        ],
    }
