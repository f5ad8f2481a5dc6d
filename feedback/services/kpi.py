"""The KPI report: per unit, counter, staff member or service, from the summaries (SPEC §4).

Every figure is computed by ``feedback.kpi.metrics`` from sums read from the summary tables (whole
months from monthly rows, the period's edges from daily rows), so the cost grows with groups ×
(months + edge days), not with responses. Grouping rules (docs/metrics.md):

- a unit row covers the unit's whole subtree; its parent is the parent unit's subtree (a root is not shrunk);
- a counter's parent is everything given at the counter's own unit;
- a staff member's or service's parent is everything given at the unit(s) where their responses were given;
- staff rows cover all of a person's responses in the period, wherever given (a score never depends on who
  asks); service rows cover the responses given inside the requested unit subtree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.kpi.metrics import (
    DimensionResult,
    KpiRules,
    Tally,
    adjusted_index,
    band,
    dimension_result,
    response_rate,
    satisfaction_index,
    wilson_interval,
)
from feedback.models import AnswerFact, Counter, ResponseFact, Service, Staff, TransactionVolume, Unit
from feedback.services.errors import Forbidden, InvalidInput, NotFound
from feedback.services.scope import subtree_ids
from feedback.services.summaries import span_condition

GROUPINGS = ("unit", "counter", "staff", "service")
DIMENSION_ORDER = ("overall", "attitude", "timeliness", "ease", "transparency")
MAX_DAYS = 5 * 366
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)

Tallies = dict[str, dict[int, Tally]]  # dimension -> scale -> sums


@dataclass
class KpiRow:
    key: str
    name: str
    n: int
    index: float | None
    adjusted: float | None
    band: str | None
    response_rate: float | None
    excluded: int
    suspect: int
    dimensions: dict[str, DimensionResult] = field(default_factory=dict)
    # Unit rows only: follow-up of negative feedback opened in the period (issue 5's responsiveness).
    cases_opened: int | None = None
    cases_on_time: int | None = None
    case_median_hours: float | None = None


@dataclass
class KpiReport:
    date_from: date
    date_to: date
    group_by: str
    rules: KpiRules
    rows: list[KpiRow]
    dimensions: list[str]


@dataclass
class _Counts:
    valid: int = 0
    excluded: int = 0
    suspect: int = 0


def _add(target: Tallies, dimension: str, k: int, tally: Tally) -> None:
    current = target.setdefault(dimension, {}).get(k)
    target[dimension][k] = tally if current is None else current + tally


def _merge(*parts: Tallies) -> Tallies:
    merged: Tallies = {}
    for part in parts:
        for dimension, scales in part.items():
            for k, tally in scales.items():
                _add(merged, dimension, k, tally)
    return merged


def _dimension(scales: dict[int, Tally]) -> DimensionResult:
    """One dimension's figures; if it was asked on both scales in the period, the scores are n-weighted."""
    if len(scales) == 1:
        return dimension_result(next(iter(scales.values())))
    results = [dimension_result(t) for t in scales.values() if t.n]
    n = sum(t.n for t in scales.values())
    if not n:
        return DimensionResult(0, None, None, None, None, None)
    satisfied = sum(t.satisfied for t in scales.values())
    low, high = wilson_interval(satisfied, n)
    score = sum(r.score * r.n for r in results) / n
    return DimensionResult(n, None, score, satisfied / n * 100, low * 100, high * 100)


def _index(tallies: Tallies, rules: KpiRules) -> float | None:
    if all(len(scales) == 1 for scales in tallies.values()):
        return satisfaction_index({d: next(iter(s.values())) for d, s in tallies.items()}, rules)
    # Mixed scales: the same weighted mean of scores, over the merged dimension scores.
    weighted = total = 0.0
    for dimension, scales in tallies.items():
        result = _dimension(scales)
        weight = rules.weights.get(dimension, 1.0)
        if result.n and weight > 0:
            weighted += weight * result.score
            total += weight
    return weighted / total if total else None


class _Period:
    def __init__(self, session: Session, start: date, end: date, rules: KpiRules) -> None:
        self.session, self.start, self.end, self.rules = session, start, end, rules

    def answers(self, column, where=()):  # noqa: ANN001, ANN201
        """{group id: Tallies} summed over the period."""
        stmt = (
            select(
                column,
                AnswerFact.dimension,
                AnswerFact.k,
                func.sum(AnswerFact.n),
                func.sum(AnswerFact.total),
                func.sum(AnswerFact.satisfied),
            )
            .where(span_condition(AnswerFact, _grain(column), self.start, self.end), *where)
            .group_by(column, AnswerFact.dimension, AnswerFact.k)
        )
        if not self.rules.count_flagged:
            stmt = stmt.where(AnswerFact.suspect.is_(False))
        result: dict[int, Tallies] = defaultdict(dict)
        for group, dimension, k, n, total, satisfied in self.session.connection().execute(stmt):
            if n:
                _add(result[group], dimension, k, Tally(int(n), int(total), int(satisfied), int(k)))
        return result

    def responses(self, column, where=()):  # noqa: ANN001, ANN201
        """{group id: _Counts}: valid responses that count, excluded ones, and flagged valid ones."""
        stmt = (
            select(column, ResponseFact.status, ResponseFact.suspect, func.sum(ResponseFact.responses))
            .where(span_condition(ResponseFact, _grain(column), self.start, self.end), *where)
            .group_by(column, ResponseFact.status, ResponseFact.suspect)
        )
        result: dict[int, _Counts] = defaultdict(_Counts)
        for group, status, suspect, count in self.session.connection().execute(stmt):
            count = int(count or 0)
            if status == "excluded":
                result[group].excluded += count
                continue
            if suspect:
                result[group].suspect += count
            if self.rules.count_flagged or not suspect:
                result[group].valid += count
        return result

    def volumes(self, column, where=()):  # noqa: ANN001, ANN201
        stmt = (
            select(column, func.sum(TransactionVolume.transactions))
            .where(TransactionVolume.day >= self.start, TransactionVolume.day <= self.end, *where)
            .group_by(column)
        )
        return {group: int(total) for group, total in self.session.connection().execute(stmt) if total is not None}


def kpi_report(
    session: Session,
    *,
    scope_unit_id: int,
    date_from: date,
    date_to: date,
    group_by: str,
    rules: KpiRules,
    unit_code: str | None = None,
) -> KpiReport:
    """The KPI rows for ``group_by`` over whole local days ``date_from``..``date_to`` inside the scope."""
    if group_by not in GROUPINGS:
        raise InvalidInput(f"group_by must be one of {', '.join(GROUPINGS)}")
    if not (EARLIEST <= date_from <= LATEST and EARLIEST <= date_to <= LATEST):
        raise InvalidInput(f"dates must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    if date_to < date_from:
        raise InvalidInput("'to' is before 'from'")
    if date_to - date_from > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"a period is at most {MAX_DAYS} days")
    units = {u.id: u for u in session.connection().execute(select(Unit.id, Unit.parent_id, Unit.code, Unit.name_vi))}
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit in units.values():
        children[unit.parent_id].append(unit.id)

    def subtree(root: int) -> list[int]:
        out, stack = [], [root]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(children.get(current, ()))
        return out

    root = scope_unit_id
    if unit_code:
        asked = next((u.id for u in units.values() if u.code == unit_code), None)
        if asked is None:
            raise NotFound(f"no unit with code {unit_code!r}")
        if asked not in subtree(scope_unit_id):
            raise Forbidden(f"unit {unit_code!r} is outside this key's unit")
        root = asked
    scope = subtree(root)
    period = _Period(session, date_from, date_to, rules)
    direct = period.answers(AnswerFact.unit_id)

    # Many groups share a parent (every staff member of one ward): merge and score each parent once.
    merged: dict[frozenset[int], Tallies] = {}
    scored: dict[int, float | None] = {}

    def unit_tallies(unit_ids) -> Tallies:  # noqa: ANN001
        key = frozenset(unit_ids)
        tallies = merged.get(key)
        if tallies is None:
            tallies = merged[key] = _merge(*(direct.get(u, {}) for u in key))
        return tallies

    def parent_index_of(parent: Tallies | None) -> float | None:
        if parent is None:
            return None
        if id(parent) not in scored:
            scored[id(parent)] = _index(parent, rules)
        return scored[id(parent)]

    def row(
        key: str, name: str, tallies: Tallies, counts: _Counts, parent: Tallies | None, transactions: int | None
    ) -> KpiRow:
        return _row(key, name, tallies, counts, parent_index_of(parent), transactions, rules)

    rows: list[KpiRow] = []
    if group_by == "unit":
        counts = period.responses(ResponseFact.unit_id)
        volumes = period.volumes(TransactionVolume.unit_id, (TransactionVolume.service_id == 0,))
        for unit_id in scope:
            members = subtree(unit_id)
            total = _Counts()
            for member in members:
                c = counts.get(member)
                if c:
                    total.valid, total.excluded, total.suspect = (
                        total.valid + c.valid,
                        total.excluded + c.excluded,
                        total.suspect + c.suspect,
                    )
            known = [volumes[m] for m in members if m in volumes]
            parent_id = units[unit_id].parent_id
            parent = unit_tallies(subtree(parent_id)) if parent_id is not None else None
            rows.append(
                row(
                    units[unit_id].code,
                    units[unit_id].name_vi,
                    unit_tallies(members),
                    total,
                    parent,
                    sum(known) if known else None,
                )
            )
    elif group_by == "counter":
        in_scope = (AnswerFact.unit_id.in_(scope),)
        tallies = period.answers(AnswerFact.counter_id, in_scope)
        counts = period.responses(ResponseFact.counter_id, (ResponseFact.unit_id.in_(scope),))
        for counter in session.connection().execute(
            select(Counter.id, Counter.code, Counter.label_vi, Counter.unit_id).where(Counter.unit_id.in_(scope))
        ):
            rows.append(
                row(
                    counter.code,
                    counter.label_vi,
                    tallies.get(counter.id, {}),
                    counts.get(counter.id, _Counts()),
                    unit_tallies([counter.unit_id]),
                    None,
                )
            )
    elif group_by == "staff":
        staff_ids = set(session.connection().scalars(select(Staff.id).where(Staff.unit_id.in_(scope))))
        staff_ids |= set(
            session.connection().scalars(
                select(ResponseFact.staff_id)
                .distinct()
                .where(
                    span_condition(ResponseFact, "staff", date_from, date_to),
                    ResponseFact.unit_id.in_(scope),
                    ResponseFact.staff_id != 0,
                )
            )
        )
        ids = sorted(staff_ids)
        # A scope of every unit lists every staff member: the id filters would select everything, and
        # rendering thousands of ids into each statement costs more than the statements themselves.
        every_unit = len(scope) == len(units)
        tallies = period.answers(AnswerFact.staff_id, () if every_unit else (AnswerFact.staff_id.in_(ids),))
        counts = period.responses(ResponseFact.staff_id, () if every_unit else (ResponseFact.staff_id.in_(ids),))
        where_given = _units_of(session, ResponseFact.staff_id, None if every_unit else ids, date_from, date_to)
        people = select(Staff.id, Staff.code, Staff.full_name)
        if not every_unit:
            people = people.where(Staff.id.in_(ids))
        for staff in session.connection().execute(people):
            given = where_given.get(staff.id)
            rows.append(
                row(
                    staff.code,
                    staff.full_name,
                    tallies.get(staff.id, {}),
                    counts.get(staff.id, _Counts()),
                    unit_tallies(given) if given else None,
                    None,
                )
            )
    else:
        in_scope = (AnswerFact.unit_id.in_(scope), AnswerFact.service_id != 0)
        tallies = period.answers(AnswerFact.service_id, in_scope)
        counts = period.responses(
            ResponseFact.service_id, (ResponseFact.unit_id.in_(scope), ResponseFact.service_id != 0)
        )
        volumes = period.volumes(
            TransactionVolume.service_id, (TransactionVolume.unit_id.in_(scope), TransactionVolume.service_id != 0)
        )
        ids = sorted(set(tallies) | set(counts))
        where_given = _units_of(session, ResponseFact.service_id, ids, date_from, date_to, scope)
        services = select(Service.id, Service.code, Service.name_vi).where(Service.id.in_(ids))
        for service in session.connection().execute(services):
            given = where_given.get(service.id)
            rows.append(
                row(
                    service.code,
                    service.name_vi,
                    tallies.get(service.id, {}),
                    counts.get(service.id, _Counts()),
                    unit_tallies(given) if given else None,
                    volumes.get(service.id),
                )
            )
    if group_by == "unit":
        _add_responsiveness(session, rows, units, subtree, date_from, date_to)
    rows.sort(key=lambda r: r.key)
    seen = {d for r in rows for d in r.dimensions}
    dimensions = [d for d in DIMENSION_ORDER if d in seen] + sorted(seen - set(DIMENSION_ORDER))
    return KpiReport(date_from, date_to, group_by, rules, rows, dimensions)


def _row(
    key: str,
    name: str,
    tallies: Tallies,
    counts: _Counts,
    parent_index: float | None,
    transactions: int | None,
    rules: KpiRules,
) -> KpiRow:
    """One group's KPI row from its sums, its parent's index and its transactions (None: unknown)."""
    index = _index(tallies, rules)
    adjusted = adjusted_index(index, counts.valid, parent_index, rules)
    return KpiRow(
        key=key,
        name=name,
        n=counts.valid,
        index=index,
        adjusted=adjusted,
        band=band(adjusted, counts.valid, rules),
        response_rate=response_rate(counts.valid, transactions),
        excluded=counts.excluded,
        suspect=counts.suspect,
        dimensions={d: _dimension(s) for d, s in tallies.items()},
    )


def _grain(column) -> str:  # noqa: ANN001
    """The summary grain a group column is read at: unit_id -> "unit", staff_id -> "staff", …"""
    return column.key.removesuffix("_id")


def _units_of(
    session: Session,
    column,
    ids: list[int] | None,
    start: date,
    end: date,  # noqa: ANN001
    scope: list[int] | None = None,
) -> dict[int, list[int]]:
    """{staff or service id: the units where their valid responses were given in the period}."""
    stmt = (
        select(column, ResponseFact.unit_id)
        .distinct()
        .where(
            span_condition(ResponseFact, _grain(column), start, end),
            column.in_(ids) if ids is not None else column != 0,
            ResponseFact.status == "valid",
        )
    )
    if scope is not None:
        stmt = stmt.where(ResponseFact.unit_id.in_(scope))
    result: dict[int, list[int]] = defaultdict(list)
    for group, unit_id in session.connection().execute(stmt):
        result[group].append(unit_id)
    return result


def _add_responsiveness(session: Session, rows: list[KpiRow], units, subtree, start: date, end: date) -> None:  # noqa: ANN001
    """Cases opened in the period per unit subtree, how many were resolved by their due date, and the
    median hours from opening to closing (resolved or dismissed)."""
    from statistics import median
    from zoneinfo import ZoneInfo

    from feedback.models import FollowUpCase

    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    low = datetime.combine(start, time.min, zone)
    high = datetime.combine(end + timedelta(days=1), time.min, zone)
    by_unit: dict[int, list[tuple[bool, float | None]]] = defaultdict(list)
    for case in session.scalars(
        select(FollowUpCase).where(FollowUpCase.opened_at >= low, FollowUpCase.opened_at < high)
    ):
        hours = None
        if case.closed_at is not None:
            hours = (case.closed_at - case.opened_at).total_seconds() / 3600
        on_time = (
            case.state == "resolved"
            and case.closed_at is not None
            and (case.closed_at.astimezone(zone).date() <= case.due_on)
        )
        by_unit[case.unit_id].append((on_time, hours))
    code_to_id = {u.code: u.id for u in units.values()}
    for row in rows:
        members = [(on_time, hours) for m in subtree(code_to_id[row.key]) for on_time, hours in by_unit.get(m, ())]
        row.cases_opened = len(members)
        row.cases_on_time = sum(1 for on_time, _h in members if on_time)
        durations = [h for _t, h in members if h is not None]
        row.case_median_hours = median(durations) if durations else None


def channel_rows(
    session: Session, *, unit_id: int, date_from: date, date_to: date, rules: KpiRules
) -> dict[str, KpiRow]:
    """{channel: KPI row} of the responses given in the subtree of ``unit_id`` (checked against the
    reader's scope by the caller) through each channel, from the channel summary rows.

    Not a grouping of the KPI API: the dashboard's channel filter. The figures are those of a unit
    row restricted to one channel, computed by the same metric functions. Its parent is the same
    subtree over all channels (as a counter's parent is its own unit): a channel is a part of that
    subtree, as a counter is a part of its unit, so the shrinkage pulls a small channel toward the
    unit it belongs to, and the row does not depend on who asks. No response rate: the volumes are
    not known per channel.
    """
    scope = list(session.scalars(subtree_ids(session, unit_id)))
    period = _Period(session, date_from, date_to, rules)
    tallies = period.answers(AnswerFact.channel, (AnswerFact.unit_id.in_(scope),))
    counts = period.responses(ResponseFact.channel, (ResponseFact.unit_id.in_(scope),))
    parent = _merge(*period.answers(AnswerFact.unit_id, (AnswerFact.unit_id.in_(scope),)).values())
    parent_index = _index(parent, rules)
    return {
        channel: _row(
            channel, channel, tallies.get(channel, {}), counts.get(channel, _Counts()), parent_index, None, rules
        )
        for channel in sorted(set(tallies) | set(counts))
    }
