"""Survey templates: the built-ins match SPEC §3 word for word; imports make immutable versions."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from feedback.models import Question, SurveyTemplate, SurveyVersion
from feedback.services.errors import InvalidInput, NotFound
from feedback.services.templates import assign_template, ensure_builtin_templates, export_template, import_template

SPEC_DEFAULT = [
    (
        "overall",
        "rating5",
        True,
        "overall",
        "Nhìn chung, Ông/Bà hài lòng thế nào với việc giải quyết thủ tục hôm nay?",
        "Overall, how satisfied are you with how your request was handled today?",
    ),
    (
        "attitude",
        "rating5",
        False,
        "attitude",
        "Thái độ của cán bộ tiếp nhận, hướng dẫn hồ sơ",
        "The attitude of the staff who received and guided you",
    ),
    (
        "timeliness",
        "rating5",
        False,
        "timeliness",
        "Thời gian chờ và thời gian giải quyết",
        "Waiting and processing time",
    ),
    (
        "ease",
        "rating5",
        False,
        "ease",
        "Thủ tục, hồ sơ dễ hiểu, dễ thực hiện",
        "The procedure and forms were easy to understand and complete",
    ),
    (
        "transparency",
        "rating5",
        False,
        "transparency",
        "Thông tin về thủ tục, phí, lệ phí được công khai, rõ ràng",
        "Information on the procedure and fees was public and clear",
    ),
    ("comment", "text", False, None, "Ông/Bà có góp ý gì thêm?", "Anything else you would like to tell us?"),
]

CUSTOM = {
    "code": "ward-short",
    "name_vi": "Khảo sát ngắn cấp phường",
    "name_en": "Short ward survey",
    "questions": [
        {
            "code": "overall",
            "type": "rating5",
            "required": True,
            "dimension": "overall",
            "text_vi": "Mức độ hài lòng chung",
            "text_en": "Overall satisfaction",
        },
        {"code": "recommend", "type": "nps", "text_vi": "Ông/Bà có giới thiệu không?"},
        {"code": "online", "type": "yesno", "text_vi": "Ông/Bà có nộp hồ sơ trực tuyến không?"},
        {
            "code": "channel",
            "type": "choice",
            "text_vi": "Ông/Bà biết thủ tục qua đâu?",
            "options": [
                {"value": "portal", "label_vi": "Cổng dịch vụ công"},
                {"value": "friend", "label_vi": "Người quen"},
            ],
        },
    ],
}


def questions(session, template_code: str) -> list[Question]:
    version = session.scalar(
        select(SurveyVersion)
        .join(SurveyTemplate)
        .where(SurveyTemplate.code == template_code)
        .order_by(SurveyVersion.number.desc())
    )
    return list(version.questions)


def test_default_template_is_spec_section_3_word_for_word(session):
    got = [(q.code, q.type, q.required, q.dimension, q.text_vi, q.text_en) for q in questions(session, "default")]
    assert got == SPEC_DEFAULT
    assert questions(session, "default")[-1].options == {"max_length": 2000}


def test_vn_official_3_asks_overall_and_attitude_on_three_levels(session):
    got = [(q.code, q.type, q.dimension) for q in questions(session, "vn-official-3")]
    assert got == [("overall", "rating3", "overall"), ("attitude", "rating3", "attitude")]


def test_builtins_are_synced_once(session):
    before = session.scalar(select(func.count()).select_from(SurveyVersion))
    results = ensure_builtin_templates(session)
    assert [r.created for r in results] == [False, False]
    assert session.scalar(select(func.count()).select_from(SurveyVersion)) == before


def test_import_then_change_makes_a_new_version(session):
    first = import_template(session, CUSTOM)
    assert (first.version_number, first.created) == (1, True)
    assert import_template(session, copy.deepcopy(CUSTOM)).created is False
    changed = copy.deepcopy(CUSTOM)
    changed["questions"][0]["text_vi"] = "Nhìn chung, Ông/Bà hài lòng không?"
    second = import_template(session, changed)
    assert (second.version_number, second.created) == (2, True)
    assert [q.text_vi for q in questions(session, "ward-short")][0] == "Nhìn chung, Ông/Bà hài lòng không?"
    old = session.scalar(
        select(SurveyVersion).join(SurveyTemplate).where(SurveyTemplate.code == "ward-short", SurveyVersion.number == 1)
    )
    assert old.questions[0].text_vi == "Mức độ hài lòng chung"


def test_export_round_trips(session):
    import_template(session, CUSTOM)
    exported = export_template(session, "ward-short")
    assert import_template(session, exported).created is False
    assert exported["questions"][3]["options"][0]["value"] == "portal"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(code="Bad Code"), "code must be"),
        (lambda d: d.update(questions=[]), "questions must be a non-empty list"),
        (lambda d: d["questions"][0].update(type="stars"), "type must be one of"),
        (lambda d: d["questions"][0].update(code="csrf_token"), "reserved"),
        (lambda d: d["questions"][1].update(code="overall"), "appears twice"),
        (lambda d: d["questions"][1].update(dimension="x"), "only rating5 and rating3"),
        (lambda d: d["questions"][0].update(required="yes"), "required must be true or false"),
        (lambda d: d["questions"][3].update(options=[{"value": "a", "label_vi": "A"}]), "2 to 20 choices"),
        (lambda d: d["questions"][0].pop("text_vi"), "text_vi is required"),
        (lambda d: d.update(extra=1), "unknown keys: extra"),
        (lambda d: d["questions"].append({"code": "t", "type": "text", "text_vi": "x", "max_length": 0}), "max_length"),
    ],
)
def test_invalid_documents_are_refused_with_a_reason(session, mutate, message):
    doc = copy.deepcopy(CUSTOM)
    mutate(doc)
    with pytest.raises(InvalidInput, match=message):
        import_template(session, doc)
    assert session.scalar(select(SurveyTemplate).where(SurveyTemplate.code == "ward-short")) is None


def test_builtin_cannot_be_overwritten_by_import(session):
    doc = copy.deepcopy(CUSTOM)
    doc["code"] = "default"
    with pytest.raises(InvalidInput, match="built in"):
        import_template(session, doc)


def test_assign_needs_a_known_template_and_unit(session, factories):
    factories.unit(code="KH")
    with pytest.raises(NotFound, match="no survey template"):
        assign_template(session, "nope", "KH")
    with pytest.raises(NotFound, match="no unit"):
        assign_template(session, "default", "NOPE")
