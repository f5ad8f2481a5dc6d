"""The data model, one module per aggregate. Importing this package registers every table."""

from feedback.models.access import ApiKey
from feedback.models.action import ImprovementAction
from feedback.models.case import CaseNote, FollowUpCase
from feedback.models.directory import Counter, Service, Staff, Unit
from feedback.models.kiosk import CounterShift, KioskDevice
from feedback.models.kpi import AnswerFact, AuditEvent, KpiRuleSet, ResponseFact, TransactionVolume
from feedback.models.response import Answer, Response, ResponseContact, ResponseFlag
from feedback.models.survey import Question, SurveyTemplate, SurveyVersion, TemplateAssignment
from feedback.models.ticket import Ticket
from feedback.models.user import User

__all__ = [
    "ImprovementAction",
    "CaseNote",
    "FollowUpCase",
    "AnswerFact",
    "AuditEvent",
    "KpiRuleSet",
    "ResponseFact",
    "TransactionVolume",
    "Answer",
    "ApiKey",
    "CounterShift",
    "KioskDevice",
    "ResponseFlag",
    "Ticket",
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
    "User",
]
