"""The demo province: a believable directory and months of well-formed responses, built once."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from feedback.models import (
    Answer,
    Counter,
    Question,
    Response,
    ResponseContact,
    Service,
    Staff,
    SurveyTemplate,
    SurveyVersion,
    TemplateAssignment,
    Unit,
)
from feedback.services.demo import STAFF_QUALITY, build_demo
from feedback.services.surveys import NoSurveyConfigured

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
TABLES = (
    Unit,
    Counter,
    Staff,
    Service,
    SurveyTemplate,
    SurveyVersion,
    Question,
    TemplateAssignment,
    Response,
    Answer,
    ResponseContact,
)
DIRECTORY = (Unit, Counter, Staff, Service)


@pytest.fixture()
def demo(session) -> str:
    return build_demo(session, months=1, base_url="http://feedback.test")


def counts(session) -> dict[str, int]:
    return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def default_version(session) -> SurveyVersion:
    return session.scalar(
        select(SurveyVersion)
        .join(SurveyTemplate)
        .where(SurveyTemplate.code == "default")
        .order_by(SurveyVersion.number.desc())
    )


def test_directory_is_a_two_tier_province_with_the_centre_counter(session, demo):
    units = {u.code: u for u in session.scalars(select(Unit))}
    root = units["KH"]
    assert (root.name_vi, root.parent_id) == ("UBND tỉnh Khánh Hòa", None)
    centre = units["KH-TTHCC"]
    assert centre.name_vi == "Trung tâm Phục vụ hành chính công tỉnh Khánh Hòa" and centre.parent_id == root.id
    q03 = session.scalar(select(Counter).where(Counter.code == "KH-TTHCC-Q03"))
    assert q03 is not None and q03.unit_id == centre.id and q03.label_en
    # Province -> ward/commune, no district level in between.
    wards = [u for u in units.values() if u.kind in ("ward", "commune")]
    assert len(wards) >= 4 and all(u.parent_id == root.id for u in wards)
    counters = session.scalars(select(Counter)).all()
    assert 8 <= len(counters) <= 14
    assert all(1 <= sum(c.unit_id == w.id for c in counters) <= 2 for w in wards)
    staff = session.scalars(select(Staff)).all()
    assert 35 <= len(staff) <= 45
    for person in staff:
        assert unicodedata.is_normalized("NFC", person.full_name) and len(person.full_name.split()) >= 3
        assert person.position and person.code.startswith("CB")
    # Civil servants serving at the centre keep their department as home unit.
    served_at_centre = session.scalars(
        select(Staff.unit_id).join(Response, Response.staff_id == Staff.id).where(Response.unit_id == centre.id)
    ).all()
    assert {units[code].id for code in ("KH-STP", "KH-SXD")} <= set(served_at_centre)
    services = session.scalars(select(Service)).all()
    assert len(services) == 30
    assert all(s.name_en and s.field and s.code[:2] in ("1.", "2.") for s in services)
    assert all(u.name_en for u in units.values()) and all(c.label_en for c in counters)
    assert "http://feedback.test/q/KH-TTHCC-Q03" in demo


def test_responses_are_stored_as_real_submissions_are(session, demo):
    version = default_version(session)
    questions = {q.id: q for q in version.questions}
    overall = next(q.id for q in questions.values() if q.code == "overall")
    responses = session.scalars(select(Response)).all()
    assert len(responses) > 500
    answers = session.execute(select(Answer.response_id, Answer.question_id, Answer.value_int, Answer.value_text)).all()
    assert {a.question_id for a in answers} <= set(questions)
    assert all(questions[a.question_id].type == "rating5" and a.value_text is None for a in answers)
    assert all(1 <= a.value_int <= 5 for a in answers)
    answered_overall = {a.response_id for a in answers if a.question_id == overall}
    assert answered_overall == {r.id for r in responses}
    assert len({r.receipt for r in responses}) == len(responses)
    now = datetime.now(UTC)
    for r in responses:
        assert (r.version_id, r.status) == (version.id, "valid")
        assert r.submitted_at.tzinfo is not None and r.submitted_at <= now
        local = r.submitted_at.astimezone(LOCAL)
        assert local.weekday() < 5
        assert time(7, 30) <= local.time() <= time(11, 30) or time(13, 30) <= local.time() <= time(17, 0), local
        expected = {"ticket": "ticket", "counter": "signed_in", "kiosk": "signed_in"}[r.channel]
        assert r.staff_attribution == (expected if r.staff_id else "none")
        assert r.language in ("vi", "en") and r.counter_id is not None
    commented = [r.comment for r in responses if r.comment]
    assert 0.05 < len(commented) / len(responses) < 0.3
    assert all(unicodedata.is_normalized("NFC", c) for c in commented)
    assert sum(r.language == "en" for r in responses) > 0
    assert sum(r.channel != "counter" for r in responses) > 0


def test_staff_differ_in_quality(session, demo):
    means = dict(
        session.execute(
            select(Staff.code, func.avg(Answer.value_int))
            .join(Response, Response.staff_id == Staff.id)
            .join(Answer, Answer.response_id == Response.id)
            .join(Question, Question.id == Answer.question_id)
            .where(Question.code == "overall")
            .group_by(Staff.code)
            .having(func.count() >= 20)
        ).all()
    )
    assert len(means) >= 20
    ranked = sorted(means, key=lambda code: means[code])
    assert float(means[ranked[-1]]) - float(means[ranked[0]]) > 1.0
    # The two civil servants with attitude complaints stand out, not just the noise of small samples.
    poorest = {code for code, (overall, _attitude) in STAFF_QUALITY.items() if overall < 0}
    assert set(ranked[:2]) == poorest


def test_running_it_again_changes_nothing(session, demo):
    before = counts(session)
    stamps = [session.scalar(select(func.max(model.updated_at))) for model in DIRECTORY]
    summary = build_demo(session, months=1)
    assert counts(session) == before
    assert [session.scalar(select(func.max(model.updated_at))) for model in DIRECTORY] == stamps
    assert "none created" in summary


def test_without_the_default_survey_it_says_so_and_writes_nothing(session):
    before = counts(session)
    template_id = session.scalar(select(SurveyTemplate.id).where(SurveyTemplate.code == "default"))
    session.execute(update(SurveyVersion).where(SurveyVersion.template_id == template_id).values(active=False))
    session.commit()
    with pytest.raises(NoSurveyConfigured, match="db upgrade"):
        build_demo(session, months=1)
    assert counts(session) == before


def test_cli_prints_the_summary(cli):
    result = cli("demo", "--months", "1")
    assert result.exit_code == 0, result.output
    assert "counters" in result.output and "/q/KH-TTHCC-Q03" in result.output
