"""The data model, one module per aggregate. Importing this package registers every table."""

from feedback.models.directory import Counter, Service, Staff, Unit
from feedback.models.response import Answer, Response, ResponseContact
from feedback.models.survey import Question, SurveyTemplate, SurveyVersion, TemplateAssignment

__all__ = [
    "Answer",
    "Counter",
    "Question",
    "Response",
    "ResponseContact",
    "Service",
    "Staff",
    "SurveyTemplate",
    "SurveyVersion",
    "TemplateAssignment",
    "Unit",
]
