"""Follow-up cases: opened by a negative response, assigned (with an email), noted, closed; scoped."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, date, datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from feedback.models import FollowUpCase
from feedback.services.cases import add_working_days
from feedback.services.integrity import IntegrityRules
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey
from feedback.services.users import create_user
from tests.html import page

PASSWORD = "Mat-khau-du-dai-2026"


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture()
def smtp(app):
    """A real SMTP server on loopback that keeps what it receives."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = app.config.get("FEEDBACK_SMTP_HOST"), app.config.get("FEEDBACK_SMTP_PORT")
    app.config["FEEDBACK_SMTP_HOST"], app.config["FEEDBACK_SMTP_PORT"] = "127.0.0.1", port
    try:
        yield inbox
    finally:
        app.config["FEEDBACK_SMTP_HOST"], app.config["FEEDBACK_SMTP_PORT"] = saved
        controller.stop()


@pytest.fixture()
def org(session, factories):
    province = factories.unit(code="P")
    ward_a = factories.unit(code="P-A", parent=province, name_vi="Phường A")
    ward_b = factories.unit(code="P-B", parent=province, name_vi="Phường B")
    factories.counter(code="QA", unit=ward_a)
    factories.counter(code="QB", unit=ward_b)
    for email, role, unit in (("a@p.vn", "manager", "P-A"), ("b@p.vn", "manager", "P-B"), ("v@p.vn", "viewer", "P-A")):
        create_user(session, email, role, unit, PASSWORD)
    return load_survey(session, factories.latest_version().id)


def rate(session, survey, counter, level, contact=None):
    submission = Submission(
        str(uuid.uuid4()),
        {"overall": level, "comment": "Chờ quá lâu"},
        contact=contact,
        consent_text="đồng ý" if contact else None,
    )
    return submit_response(
        session, counter, survey, submission, IntegrityRules(), now=datetime(2026, 3, 6, 2, tzinfo=UTC)
    )


def sign_in(client, email):
    form = page(client.get("/login"))
    client.post("/login", data={"csrf_token": form.value("csrf_token"), "email": email, "password": PASSWORD})


def test_working_days_skip_the_weekend():
    friday = date(2026, 3, 6)
    assert add_working_days(friday, 1) == date(2026, 3, 9)
    assert add_working_days(friday, 3) == date(2026, 3, 11)
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # from a Saturday


def test_only_the_bottom_rating_opens_a_case_due_in_three_working_days(session, org):
    rate(session, org, "QA", 2)
    rate(session, org, "QA", 1)
    opened = session.scalars(select(FollowUpCase)).all()
    assert len(opened) == 1 and opened[0].state == "open"
    assert opened[0].due_on == date(2026, 3, 11) and opened[0].reason == "overall rated 1 of 5"


def test_a_manager_works_a_case_and_the_assignee_gets_an_email(client, session, org, smtp):
    rate(session, org, "QA", 1, contact="0905000111")
    case_id = session.scalar(select(FollowUpCase.id))
    sign_in(client, "a@p.vn")
    body = client.get(f"/manage/cases/{case_id}").get_data(as_text=True)
    assert "0905000111" in body and "Chờ quá lâu" in body
    csrf = page(client.get(f"/manage/cases/{case_id}")).value("csrf_token")
    url = f"/manage/cases/{case_id}"
    assert (
        client.post(
            url, data={"csrf_token": csrf, "action": "assign", "assignee": "b@p.vn"}, follow_redirects=True
        ).status_code
        == 200
    )  # b is not over ward A: refused with a message
    assert session.scalar(select(FollowUpCase.assignee_id)) is None
    client.post(url, data={"csrf_token": csrf, "action": "assign", "assignee": "a@p.vn"})
    assert len(smtp.messages) == 1 and smtp.messages[0].rcpt_tos == ["a@p.vn"]
    client.post(url, data={"csrf_token": csrf, "action": "note", "text": "Đã gọi điện cho công dân"})
    client.post(url, data={"csrf_token": csrf, "action": "due", "due_on": "2026-03-13"})
    client.post(url, data={"csrf_token": csrf, "action": "resolved", "text": ""})  # a resolution is required
    assert session.scalar(select(FollowUpCase.state)) == "in_progress"
    client.post(url, data={"csrf_token": csrf, "action": "resolved", "text": "Đã trả kết quả tại nhà"})
    closed = session.scalar(select(FollowUpCase))
    assert (closed.state, closed.due_on, closed.resolution) == ("resolved", date(2026, 3, 13), "Đã trả kết quả tại nhà")
    assert [n.text for n in closed.notes] == ["Đã gọi điện cho công dân"]


def test_cases_are_scoped_and_viewers_read_only(client, session, org):
    rate(session, org, "QB", 1, contact="0905999888")
    other = session.scalar(select(FollowUpCase.id))
    sign_in(client, "a@p.vn")
    assert client.get(f"/manage/cases/{other}").status_code == 404
    assert "Phường B" not in client.get("/manage/cases").get_data(as_text=True)
    rate(session, org, "QA", 1, contact="0905000222")
    mine = session.scalar(select(FollowUpCase.id).where(FollowUpCase.id != other))
    viewer = client.application.test_client()
    sign_in(viewer, "v@p.vn")
    body = viewer.get(f"/manage/cases/{mine}").get_data(as_text=True)
    assert "0905000222" not in body  # the contact is for those who act on the case
    csrf = page(viewer.get(f"/manage/cases/{mine}")).value("csrf_token")
    assert (
        viewer.post(f"/manage/cases/{mine}", data={"csrf_token": csrf, "action": "note", "text": "x"}).status_code
        == 403
    )


def test_daily_digest_emails_managers_of_the_unit(app, cli, session, org, smtp):
    rate(session, org, "QA", 1)
    result = cli("cases", "digest", "--day", "2026-03-06")
    assert result.exit_code == 0 and "1 email(s) sent" in result.output
    assert [m.rcpt_tos for m in smtp.messages] == [["a@p.vn"]]
    import email

    message = email.message_from_bytes(smtp.messages[0].content)
    assert "Chờ quá lâu" in message.get_payload(decode=True).decode("utf-8")
    assert cli("cases", "digest", "--day", "yesterday").exit_code == 2


def test_unit_rows_of_the_kpi_carry_responsiveness(client, session, org, app):
    from feedback.kpi.metrics import KpiRules
    from feedback.services.cases import close
    from feedback.services.kpi import kpi_report

    rate(session, org, "QA", 1)
    rate(session, org, "QA", 1)
    first, _second = session.scalars(select(FollowUpCase.id).order_by(FollowUpCase.id)).all()
    scope = session.scalar(select(FollowUpCase.unit_id))
    close(session, first, scope, "resolved", "Đã gọi lại", "a@p.vn")
    report = kpi_report(session, scope_unit_id=scope, date_from=date(2026, 3, 1), date_to=date(2026, 3, 31),
                        group_by="unit", rules=KpiRules())
    row = report.rows[0]
    # Both opened on 6 March; one closed today, long after its due date of 11 March: not on time.
    assert (row.cases_opened, row.cases_on_time) == (2, 0)
    assert row.case_median_hours > 24
