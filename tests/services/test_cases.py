"""Which responses open a follow-up case, and when it is due: working days without weekends and public holidays."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from feedback.config import ConfigError, load_config
from feedback.models import FollowUpCase, Response
from feedback.services import cases
from feedback.services.cases import add_working_days, negative_reason, parse_holidays, parse_triggers
from feedback.services.integrity import IntegrityRules
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey
from feedback.services.templates import import_template

# Tết 2026 as announced for civil servants (Monday 16 to Friday 20 February), the Hùng Kings' day in lieu
# (Monday 27 April 2026) and the second National Day holiday of 2025 (Monday 1 September).
ANNOUNCED = frozenset({date(2026, 2, d) for d in range(16, 21)} | {date(2026, 4, 27), date(2025, 9, 1)})


@pytest.mark.parametrize(
    ("start", "days", "holidays", "due"),
    [
        # Friday 6 March 2026 + 3: Mon 9, Tue 10, Wed 11.
        (date(2026, 3, 6), 3, frozenset(), date(2026, 3, 11)),
        # From a Saturday, the first working day is Monday.
        (date(2026, 3, 7), 1, frozenset(), date(2026, 3, 9)),
        # Wednesday 29 April 2026 + 3: Thu 30/4 and Fri 1/5 are holidays, then the weekend: Mon 4, Tue 5, Wed 6 May.
        (date(2026, 4, 29), 3, frozenset(), date(2026, 5, 6)),
        # Wednesday 31 December 2025 + 1: 1 January is a holiday: Friday 2 January 2026.
        (date(2025, 12, 31), 1, frozenset(), date(2026, 1, 2)),
        # Friday 13 February 2026 + 3 without the setting: Mon 16, Tue 17, Wed 18 ...
        (date(2026, 2, 13), 3, frozenset(), date(2026, 2, 18)),
        # ... and with Tết announced (16-20 February): Mon 23, Tue 24, Wed 25.
        (date(2026, 2, 13), 3, ANNOUNCED, date(2026, 2, 25)),
        # Friday 24 April 2026 + 3 with Monday 27 April off: Tue 28, Wed 29, then 30/4, 1/5, the weekend: Mon 4 May.
        (date(2026, 4, 24), 3, ANNOUNCED, date(2026, 5, 4)),
        # Friday 29 August 2025 + 1: Monday 1 September (announced) and Tuesday 2 September (fixed): Wednesday 3.
        (date(2025, 8, 29), 1, ANNOUNCED, date(2025, 9, 3)),
        (date(2025, 8, 29), 1, frozenset(), date(2025, 9, 1)),
    ],
)
def test_due_dates_skip_weekends_and_public_holidays(start, days, holidays, due):
    assert add_working_days(start, days, holidays) == due


def test_holiday_lists_are_read_with_comments_and_name_a_bad_entry(tmp_path):
    assert parse_holidays("2026-02-16, 2026-02-17;2026-02-18\n 2026-04-27 # Giỗ Tổ, in lieu") == frozenset(
        {date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 4, 27)}
    )
    with pytest.raises(ValueError, match="'16/02/2026' is not a date"):
        parse_holidays("2026-02-17, 16/02/2026")
    path = tmp_path / "holidays.txt"
    path.write_text("# Tết 2026\n2026-02-16\n\n2026-02-31\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 4: '2026-02-31'"):
        cases.read_holiday_file(str(path))


def test_the_settings_reach_the_configuration(monkeypatch, tmp_path):
    path = tmp_path / "holidays.txt"
    path.write_text("2026-02-16 2026-02-17\n", encoding="utf-8")
    monkeypatch.setenv("FEEDBACK_HOLIDAYS", "2026-04-27")
    monkeypatch.setenv("FEEDBACK_HOLIDAYS_FILE", str(path))
    monkeypatch.setenv("FEEDBACK_CASE_OPENS_ON", "dissatisfied")
    settings = load_config("/tmp")
    assert settings["FEEDBACK_HOLIDAYS"] == {date(2026, 4, 27), date(2026, 2, 16), date(2026, 2, 17)}
    assert settings["FEEDBACK_CASE_OPENS_ON"] == ("dissatisfied",)
    monkeypatch.setenv("FEEDBACK_HOLIDAYS_FILE", str(tmp_path / "missing.txt"))
    with pytest.raises(ConfigError, match="FEEDBACK_HOLIDAYS_FILE: cannot read"):
        load_config("/tmp")
    monkeypatch.delenv("FEEDBACK_HOLIDAYS_FILE")
    monkeypatch.setenv("FEEDBACK_HOLIDAYS", "tomorrow")
    with pytest.raises(ConfigError, match="FEEDBACK_HOLIDAYS: 'tomorrow' is not a date"):
        load_config("/tmp")
    monkeypatch.setenv("FEEDBACK_HOLIDAYS", "")
    monkeypatch.setenv("FEEDBACK_CASE_OPENS_ON", "bottom,angry")
    with pytest.raises(ConfigError, match="FEEDBACK_CASE_OPENS_ON: unknown angry"):
        load_config("/tmp")


FIVE = {"overall": "rating5", "comment": "text", "complaint": "yesno"}
THREE = {"overall": "rating3", "comment": "text"}


@pytest.mark.parametrize(
    ("answers", "types", "triggers", "reason"),
    [
        ({"overall": 1}, FIVE, cases.DEFAULT_TRIGGERS, "overall rated 1 of 5"),
        ({"overall": 2}, FIVE, cases.DEFAULT_TRIGGERS, None),
        ({"overall": 1}, THREE, cases.DEFAULT_TRIGGERS, "overall rated 1 of 3"),
        ({"overall": 2}, FIVE, ("dissatisfied",), "overall rated 2 of 5"),
        ({"overall": 3}, FIVE, ("dissatisfied",), None),
        ({"overall": 2}, THREE, ("dissatisfied",), None),  # 2 of 3 is "Hài lòng"
        (
            {"overall": 4, "complaint": 1, "comment": "Phải đi lại ba lần"},
            FIVE,
            cases.DEFAULT_TRIGGERS,
            "marked as a complaint",
        ),
        ({"overall": 4, "complaint": 1, "comment": "  "}, FIVE, cases.DEFAULT_TRIGGERS, None),  # no comment to answer
        ({"overall": 4, "complaint": 0, "comment": "Tốt"}, FIVE, cases.DEFAULT_TRIGGERS, None),
        ({"overall": 4, "complaint": 1, "comment": "x"}, {**FIVE, "complaint": "choice"}, cases.DEFAULT_TRIGGERS, None),
        (
            {"overall": 1, "complaint": 1, "comment": "x"},
            FIVE,
            cases.DEFAULT_TRIGGERS,
            "overall rated 1 of 5; marked as a complaint",
        ),
        ({"overall": 1, "complaint": 1, "comment": "x"}, FIVE, ("complaint",), "marked as a complaint"),
        ({"overall": 1}, FIVE, (), None),
    ],
)
def test_which_responses_open_a_case(answers, types, triggers, reason):
    assert negative_reason(answers, types, triggers) == reason


def test_trigger_names_are_checked():
    assert parse_triggers(" bottom , complaint,bottom") == ("bottom", "complaint")
    with pytest.raises(ValueError, match="unknown sometimes"):
        parse_triggers("sometimes")


COMPLAINT_TEMPLATE = {
    "code": "gop-y-phan-anh",
    "name_vi": "Khảo sát có phản ánh",
    "questions": [
        {"code": "overall", "type": "rating5", "required": True, "dimension": "overall", "text_vi": "Nhìn chung?"},
        {"code": "comment", "type": "text", "text_vi": "Góp ý?"},
        {"code": "complaint", "type": "yesno", "text_vi": "Đây là phản ánh, kiến nghị cần cơ quan trả lời?"},
    ],
}


@pytest.fixture()
def complaint_survey(session, factories):
    factories.counter(code="QA", unit=factories.unit(code="P"))
    result = import_template(session, COMPLAINT_TEMPLATE)
    from feedback.models import SurveyTemplate, SurveyVersion

    version = session.scalar(
        select(SurveyVersion)
        .join(SurveyTemplate, SurveyTemplate.id == SurveyVersion.template_id)
        .where(SurveyTemplate.code == result.template_code, SurveyVersion.number == result.version_number)
    )
    return load_survey(session, version.id)


def _submit(session, survey, answers, rules=None, when=datetime(2026, 4, 29, 2, tzinfo=UTC)):  # noqa: ANN001, ANN202
    return submit_response(
        session, "QA", survey, Submission(str(uuid.uuid4()), answers), rules or IntegrityRules(), now=when
    )


def test_a_comment_marked_as_a_complaint_opens_a_case_due_after_the_holidays(session, complaint_survey):
    _submit(session, complaint_survey, {"overall": 4, "comment": "Hẹn trả kết quả nhưng không có", "complaint": 1})
    _submit(session, complaint_survey, {"overall": 4, "comment": "Cán bộ nhiệt tình", "complaint": 0})
    _submit(session, complaint_survey, {"overall": 5, "complaint": 1})
    opened = session.scalars(select(FollowUpCase)).all()
    assert [(c.reason, c.due_on) for c in opened] == [("marked as a complaint", date(2026, 5, 6))]
    # With the rules of a province that turned the complaint rule off, nothing more is opened.
    off = IntegrityRules(case_opens_on=("bottom",))
    _submit(session, complaint_survey, {"overall": 4, "comment": "Vẫn chưa có kết quả", "complaint": 1}, off)
    assert session.scalar(select(func.count(FollowUpCase.id))) == 1


def test_announced_holidays_move_the_due_date_of_a_case_opened_on_submit(session, complaint_survey):
    rules = IntegrityRules(case_holidays=ANNOUNCED)
    # Friday 24 April 2026, 09:00 in Vietnam.
    _submit(session, complaint_survey, {"overall": 1}, rules, when=datetime(2026, 4, 24, 2, tzinfo=UTC))
    assert session.scalar(select(FollowUpCase.due_on)) == date(2026, 5, 4)


def test_a_case_is_opened_in_the_submit_transaction(session, complaint_survey, monkeypatch):
    """If the case cannot be written, the response is not stored either: never one without the other."""

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(cases, "open_case", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        _submit(session, complaint_survey, {"overall": 1})
    assert session.scalar(select(func.count(Response.id))) == 0


def test_bulk_loaded_responses_get_their_cases_by_the_same_rules(session, complaint_survey, monkeypatch):
    monkeypatch.setattr(cases, "open_case", lambda *a, **k: None)  # as if loaded without the submit path
    _submit(session, complaint_survey, {"overall": 1})
    _submit(session, complaint_survey, {"overall": 2})
    _submit(session, complaint_survey, {"overall": 4, "comment": "Phản ánh", "complaint": 1})
    monkeypatch.undo()
    assert cases.open_missing_cases(session, 3, "Asia/Ho_Chi_Minh") == 2
    assert sorted(session.scalars(select(FollowUpCase.reason))) == ["marked as a complaint", "overall rated 1 of 5"]
    assert set(session.scalars(select(FollowUpCase.due_on))) == {date(2026, 5, 6)}
    assert cases.open_missing_cases(session, 3, "Asia/Ho_Chi_Minh", triggers=("dissatisfied",)) == 1
