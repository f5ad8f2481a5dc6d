"""The citizen's survey form, built from a survey version's questions.

Field names are the question codes and rating values are level numbers (SPEC §5), so the
form stays a plain HTML form that other systems and assistive technology can rely on.
"""

from __future__ import annotations

import re
import threading

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from feedback.forms.base import NormalisedForm
from feedback.services.surveys import QuestionDef, SurveyDef
from feedback.web.citizen_csrf import DeviceBoundCSRF

DEFAULT_TEXT_MAX = 2000
CONTACT_MAX = 255
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

LEVELS = {
    "rating5": (5, 4, 3, 2, 1),
    "rating3": (3, 2, 1),
    "nps": tuple(range(0, 11)),
    "yesno": (1, 0),
}


class LevelField(Field):
    """A radio group whose values are whole numbers (rating levels, NPS points, yes = 1 / no = 0).

    The template renders the radios itself (faces and words), so this field only parses and checks.
    """

    def __init__(self, levels: tuple[int, ...], **kwargs):  # noqa: ANN003
        super().__init__(**kwargs)
        self.levels = levels
        self.raw_value_invalid = False

    def process_formdata(self, valuelist):  # noqa: ANN001
        self.data = None
        if not valuelist or valuelist[0].strip() == "":
            return
        raw = valuelist[0].strip()
        if re.fullmatch(r"-?\d{1,3}", raw):
            self.data = int(raw)
        else:
            self.raw_value_invalid = True

    def pre_validate(self, form):  # noqa: ANN001
        if self.raw_value_invalid or (self.data is not None and self.data not in self.levels):
            raise ValidationError(_l("Vui lòng chọn một trong các mức có sẵn."))


class ChoiceField(Field):
    """One of a question's option values."""

    def __init__(self, values: tuple[str, ...], **kwargs):  # noqa: ANN003
        super().__init__(**kwargs)
        self.values = values

    def process_formdata(self, valuelist):  # noqa: ANN001
        self.data = valuelist[0].strip() if valuelist and valuelist[0].strip() else None

    def pre_validate(self, form):  # noqa: ANN001
        if self.data is not None and self.data not in self.values:
            raise ValidationError(_l("Vui lòng chọn một trong các lựa chọn có sẵn."))


class SubmissionId(HiddenField):
    pass


def _valid_submission_id(form, field):  # noqa: ANN001
    if not field.data or not UUID_RE.fullmatch(field.data):
        raise ValidationError(_l("Biểu mẫu không hợp lệ. Vui lòng tải lại trang."))


def _contact_needs_consent(form, field):  # noqa: ANN001
    if form.contact.data and not field.data:
        raise ValidationError(_l("Vui lòng đánh dấu đồng ý nếu muốn để lại thông tin liên hệ."))


def _consent_needs_contact(form, field):  # noqa: ANN001
    if form.contact_consent.data and not field.data:
        raise ValidationError(_l("Vui lòng nhập số điện thoại hoặc email để được liên hệ lại."))


def _no_honeypot(form, field):  # noqa: ANN001
    if field.data:
        raise ValidationError(_l("Biểu mẫu không hợp lệ."))


class SurveyFormBase(NormalisedForm):
    class Meta:
        # Bound to the device cookie, so a first visit needs no session (feedback/web/citizen_csrf.py).
        csrf_class = DeviceBoundCSRF

    submission_id = SubmissionId(validators=[_valid_submission_id])
    service = HiddenField(validators=[Optional(), Length(max=40)])
    contact = StringField(
        _l("Số điện thoại hoặc email"),
        validators=[Length(max=CONTACT_MAX, message=_l("Tối đa %(max)d ký tự.")), _consent_needs_contact],
    )
    contact_consent = BooleanField(validators=[_contact_needs_consent])
    # Hidden from people; bots fill every field.
    website = StringField(validators=[_no_honeypot])

    survey: SurveyDef

    def answers(self) -> dict[str, int | str | None]:
        answers: dict[str, int | str | None] = {}
        for question in self.survey.questions:
            value = self[question.code].data
            answers[question.code] = None if value is None or value == "" else value
        return answers

    def question_fields(self):  # noqa: ANN201
        return [(q, self[q.code]) for q in self.survey.questions]


def _field_for(question: QuestionDef):  # noqa: ANN202
    required = [DataRequired(message=_l("Vui lòng trả lời câu hỏi này."))] if question.required else [Optional()]
    if question.type in LEVELS:
        validators = [_required_level] if question.required else []
        return LevelField(LEVELS[question.type], validators=validators)
    if question.type == "choice":
        options = question.options or []
        return ChoiceField(tuple(o["value"] for o in options), validators=required)
    maximum = question.max_length or DEFAULT_TEXT_MAX
    return TextAreaField(
        validators=[*required, Length(max=maximum, message=_l("Tối đa %(max)d ký tự."))],
    )


def _required_level(form, field):  # noqa: ANN001
    if field.data is None and not field.raw_value_invalid:
        raise ValidationError(_l("Vui lòng trả lời câu hỏi này."))


_classes: dict[int, type[SurveyFormBase]] = {}
_lock = threading.Lock()


def survey_form_class(survey: SurveyDef) -> type[SurveyFormBase]:
    """One form class per survey version, built once (a version never changes)."""
    cls = _classes.get(survey.version_id)
    if cls is None or cls.survey != survey:
        attrs = {q.code: _field_for(q) for q in survey.questions}
        attrs["survey"] = survey
        cls = type(f"SurveyForm{survey.version_id}", (SurveyFormBase,), attrs)
        with _lock:
            _classes[survey.version_id] = cls
    return cls
