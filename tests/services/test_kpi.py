"""The KPI report from the summaries: hand-worked figures, exclusions, flags, scope, and rebuild = incremental."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback.kpi.metrics import KpiRules
from feedback.models import AnswerFact, ResponseFact
from feedback.services import summaries
from feedback.services.errors import Forbidden, InvalidInput
from feedback.services.integrity import IntegrityRules, Origin
from feedback.services.kpi import kpi_report
from feedback.services.moderation import exclude_response, restore_response
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey

DAY = date(2026, 3, 2)  # a Monday
AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội


@pytest.fixture()
def tree(factories, session):
    province = factories.unit(code="P", name_vi="Tỉnh")
    ward_a = factories.unit(code="P-A", parent=province, name_vi="Phường A")
    ward_b = factories.unit(code="P-B", parent=province, name_vi="Phường B")
    return {
        "province": province,
        "a": ward_a,
        "b": ward_b,
        "qa": factories.counter(code="QA", unit=ward_a),
        "qb": factories.counter(code="QB", unit=ward_b),
        "survey": load_survey(session, factories.latest_version().id),
    }


def rate(session, survey, counter, *, device=None, at=AT, **answers):
    origin = Origin(device_hash=device)
    submission = Submission(submission_id=str(uuid.uuid4()), answers=answers, origin=origin)
    return submit_response(session, counter, survey, submission, IntegrityRules(), now=at)


def report(session, tree, group_by="unit", rules=None, scope="province", **kw):
    return kpi_report(
        session,
        scope_unit_id=tree[scope].id,
        date_from=DAY,
        date_to=DAY,
        group_by=group_by,
        rules=rules or KpiRules(),
        **kw,
    )


def row(rep, key):
    return next(r for r in rep.rows if r.key == key)


def test_hand_worked_unit_figures(session, tree):
    survey = tree["survey"]
    # Ward A: overall 5, 4, 2 -> mean 11/3, score (11/3-1)/4*100 = 66.666…; satisfied 2 of 3.
    for level in (5, 4, 2):
        rate(session, survey, "QA", overall=level)
    # Ward B: overall 5, attitude 3 -> overall score 100, attitude score 50; index (100+50)/2 = 75.
    rate(session, survey, "QB", overall=5, attitude=3)
    rep = report(session, tree)
    a, b, p = row(rep, "P-A"), row(rep, "P-B"), row(rep, "P")
    assert a.n == 3 and a.dimensions["overall"].score == pytest.approx(200 / 3)
    assert a.dimensions["overall"].csat == pytest.approx(200 / 3)
    assert b.index == pytest.approx(75.0)
    # Province (root, whole subtree): overall levels 5,4,2,5 -> mean 4, score 75; attitude 3 -> 50; index 62.5.
    assert p.n == 4 and p.index == pytest.approx(62.5) and p.adjusted == pytest.approx(62.5)
    # Ward A shrinks toward the province: (3*66.666… + 20*62.5)/23 = (200 + 1250)/23 = 63.043…
    assert a.adjusted == pytest.approx(1450 / 23)
    assert a.band == "insufficient_data"
    assert row(report(session, tree, rules=KpiRules(min_n=3)), "P-A").band == "Hoàn thành nhiệm vụ"


def test_counter_and_staff_parents(session, tree, factories):
    survey = tree["survey"]
    staff = factories.staff(code="S1", unit=tree["province"], full_name="Phạm Thị Lan")
    from feedback.services.kiosk import put_on_duty

    put_on_duty(session, "QA", "S1")
    rate(session, survey, "QA", overall=5)  # attributed to S1 (on duty)
    put_on_duty(session, "QA", None)
    rate(session, survey, "QA", overall=1)  # nobody on duty
    counters = report(session, tree, "counter")
    qa = row(counters, "QA")
    # Counter QA: overall 5 and 1 -> mean 3, score 50; its parent is ward A's own responses (the same): 50.
    assert qa.n == 2 and qa.index == pytest.approx(50.0) and qa.adjusted == pytest.approx(50.0)
    people = report(session, tree, "staff")
    s1 = row(people, "S1")
    # S1: one response, score 100; parent = everything given at ward A = 50 -> (1*100 + 20*50)/21 = 52.38…
    assert s1.n == 1 and s1.index == pytest.approx(100.0) and s1.adjusted == pytest.approx(1100 / 21)
    assert staff.id


def test_exclusion_and_restore_move_counts(session, tree):
    survey = tree["survey"]
    first = rate(session, survey, "QA", overall=1)
    rate(session, survey, "QA", overall=5)
    exclude_response(session, first.receipt, "Phản ánh sai sự thật đã xác minh", "manager@p.gov.vn")
    a = row(report(session, tree), "P-A")
    assert (a.n, a.excluded, a.index) == (1, 1, pytest.approx(100.0))
    with pytest.raises(InvalidInput):
        exclude_response(session, first.receipt, "again", "m")
    with pytest.raises(InvalidInput, match="reason"):
        exclude_response(session, "XXXX", "  ", "m")
    restore_response(session, first.receipt, "manager@p.gov.vn")
    a = row(report(session, tree), "P-A")
    assert (a.n, a.excluded, a.index) == (2, 0, pytest.approx(50.0))


def test_flagged_responses_count_or_not_by_the_rules(session, tree):
    survey = tree["survey"]
    for level in (5, 5, 1):  # one phone, three times: the third is a burst, the second a repeat
        rate(session, survey, "QA", device="phone", overall=level)
    counted = row(report(session, tree), "P-A")
    assert (counted.n, counted.suspect) == (3, 2)
    strict = row(report(session, tree, rules=KpiRules(count_flagged=False)), "P-A")
    assert (strict.n, strict.suspect, strict.index) == (1, 2, pytest.approx(100.0))


def test_scope_and_bad_parameters(session, tree):
    rate(session, tree["survey"], "QB", overall=4)
    ward = report(session, tree, scope="a")
    assert [r.key for r in ward.rows] == ["P-A"]
    with pytest.raises(Forbidden):
        report(session, tree, scope="a", unit_code="P-B")
    with pytest.raises(InvalidInput, match="group_by"):
        report(session, tree, group_by="planet")
    with pytest.raises(InvalidInput, match="before"):
        kpi_report(
            session,
            scope_unit_id=tree["province"].id,
            date_from=DAY,
            date_to=DAY - timedelta(days=1),
            group_by="unit",
            rules=KpiRules(),
        )


def _facts(session):
    answers = sorted(
        (
            f.grain,
            f.day,
            f.unit_id,
            f.counter_id,
            f.staff_id,
            f.service_id,
            f.channel,
            f.dimension,
            f.k,
            f.suspect,
            f.n,
            f.total,
            f.satisfied,
            f.l1,
            f.l2,
            f.l3,
            f.l4,
            f.l5,
        )
        for f in session.scalars(select(AnswerFact))
        if f.n
    )
    responses = sorted(
        (f.grain, f.day, f.unit_id, f.counter_id, f.staff_id, f.service_id, f.channel, f.status, f.suspect, f.responses)
        for f in session.scalars(select(ResponseFact))
        if f.responses
    )
    return answers, responses


def test_rebuild_gives_the_same_summaries_as_the_incremental_path(session, tree, factories):
    survey = tree["survey"]
    service = factories.service(code="1.000001")
    receipts = []
    for i in range(12):
        stored = rate(
            session,
            survey,
            "QA" if i % 2 else "QB",
            device=f"d{i % 4}",
            at=AT + timedelta(hours=i),
            overall=1 + i % 5,
            attitude=(2 + i) % 5 + 1,
            ease=None if i % 3 else 3,
        )
        receipts.append(stored.receipt)
    submit_response(
        session,
        "QA",
        survey,
        Submission(str(uuid.uuid4()), {"overall": 4}, service_code=service.code),
        IntegrityRules(),
        now=AT + timedelta(days=1),
    )
    exclude_response(session, receipts[0], "test", "m")
    exclude_response(session, receipts[5], "test", "m")
    restore_response(session, receipts[5], "m")
    incremental = _facts(session)
    assert incremental[0] and incremental[1]
    read, written = summaries.rebuild(session)
    session.commit()
    assert _facts(session) == incremental
    assert read == 13 and written == len(incremental[0]) + len(incremental[1])
    daily = {"unit", "counter", "service", "channel"}
    assert {row[0] for row in incremental[0]} == daily | {f"m.{grain}" for grain in daily}
    assert {row[6] for row in incremental[0] if row[0] in ("channel", "m.channel")} == {"counter"}
    summaries.rebuild(session, DAY, DAY)  # its whole month is rebuilt; other months are left alone
    session.commit()
    assert _facts(session) == incremental


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # inside one month: days only
        (date(2026, 3, 2), date(2026, 3, 30), [(False, date(2026, 3, 2), date(2026, 3, 30))]),
        # exactly one month
        (date(2026, 2, 1), date(2026, 2, 28), [(True, date(2026, 2, 1), date(2026, 2, 1))]),
        # ragged both ends around two whole months
        (
            date(2026, 1, 15),
            date(2026, 4, 3),
            [
                (False, date(2026, 1, 15), date(2026, 1, 31)),
                (True, date(2026, 2, 1), date(2026, 3, 1)),
                (False, date(2026, 4, 1), date(2026, 4, 3)),
            ],
        ),
        # across a month boundary without a whole month
        (date(2026, 1, 20), date(2026, 2, 10), [(False, date(2026, 1, 20), date(2026, 2, 10))]),
        # a leap February as the last whole month, then a ragged start
        (
            date(2027, 12, 31),
            date(2028, 2, 29),
            [(False, date(2027, 12, 31), date(2027, 12, 31)), (True, date(2028, 1, 1), date(2028, 2, 1))],
        ),
    ],
)
def test_periods_read_whole_months_from_monthly_rows(start, end, expected):
    assert summaries.spans(start, end) == expected


def test_a_report_from_monthly_rows_equals_one_from_daily_rows(session, tree, factories, monkeypatch):
    survey = tree["survey"]
    staff = factories.staff(code="NV1", unit=tree["a"])
    moments = [datetime(2026, 1, 10, 3, tzinfo=UTC) + timedelta(days=7 * i, hours=i % 5) for i in range(16)]
    from feedback.services.kiosk import put_on_duty

    for i, moment in enumerate(moments):  # every week from 10 January to 24 April
        put_on_duty(session, "QA", staff.code if i % 3 else None)
        submission = Submission(
            submission_id=str(uuid.uuid4()),
            answers={"overall": 1 + i % 5, "attitude": 1 + (i * 3) % 5},
            origin=Origin(device_hash=f"d{i}"),
        )
        submit_response(session, "QA" if i % 2 else "QB", survey, submission, IntegrityRules(), now=moment)

    def as_dicts(group_by, start, end):
        rep = kpi_report(
            session,
            scope_unit_id=tree["province"].id,
            date_from=start,
            date_to=end,
            group_by=group_by,
            rules=KpiRules(),
        )
        return [(r.key, r.n, r.index, r.adjusted, r.excluded, r.suspect, r.dimensions) for r in rep.rows]

    periods = [(date(2026, 1, 15), date(2026, 4, 3)), (date(2026, 2, 1), date(2026, 3, 31))]
    with_months = {(g, p): as_dicts(g, *p) for g in ("unit", "counter", "staff") for p in periods}
    assert (
        sum(r[1] for r in with_months[("unit", periods[0])] if r[0] == "P") == 11
    )  # hand count: 17 Jan, 24 Jan, … 28 Mar
    monkeypatch.setattr(summaries, "spans", lambda start, end: [(False, start, end)])  # daily rows only
    assert {(g, p): as_dicts(g, *p) for g in ("unit", "counter", "staff") for p in periods} == with_months


def test_rebuild_across_a_daylight_saving_change_matches_the_incremental_path(session, tree):
    """A zone whose offset changes inside a month (Paris, 29 March 2026) takes the row-by-row path on
    SQLite and PostgreSQL's own time zone rules on PostgreSQL; both must equal the incremental rows."""
    survey = tree["survey"]
    rules = IntegrityRules(timezone="Europe/Paris")
    moments = [
        datetime(2026, 3, 28, 22, 30, tzinfo=UTC),  # 23:30 on the 28th in Paris (UTC+1)
        datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # 00:30 on the 29th (UTC+1)
        datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # 00:30 on the 30th (UTC+2 since 02:00 on the 29th)
        datetime(2026, 2, 28, 23, 30, tzinfo=UTC),  # 00:30 on 1 March
        datetime(2026, 2, 28, 22, 30, tzinfo=UTC),  # 23:30 on 28 February
    ]
    for i, moment in enumerate(moments):
        submission = Submission(
            str(uuid.uuid4()), {"overall": 1 + i, "attitude": 5 - i}, origin=Origin(device_hash=f"d{i}")
        )
        submit_response(session, "QA", survey, submission, rules, now=moment)
    incremental = _facts(session)
    days = {row[1] for row in incremental[1] if row[0] == "unit"}
    assert days == {date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)}
    summaries.rebuild(session, tz="Europe/Paris")
    session.commit()
    assert _facts(session) == incremental
