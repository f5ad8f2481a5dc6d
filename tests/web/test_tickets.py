"""The citizen's side of a ticket: the survey names who served them, and the ticket works once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from feedback.models import Response, Ticket
from feedback.services.tickets import issue_ticket
from feedback.web.signing import ticket_signer
from tests.html import survey_form


@pytest.fixture()
def ticket(app, factories, session):
    unit = factories.unit(code="KH-TTHCC", name_vi="Trung tâm Phục vụ hành chính công")
    factories.counter(code="KH-TTHCC-Q03", unit=unit)
    factories.staff(code="CB0001", unit=unit, full_name="Nguyễn Thị Thu Hà")
    factories.service(code="1.009972", name_vi="Cấp giấy phép xây dựng")
    with app.app_context():
        issued = issue_ticket(
            session,
            ticket_signer(),
            scope_unit_id=unit.id,
            counter_code="KH-TTHCC-Q03",
            staff_code="CB0001",
            service_code="1.009972",
        )
    return issued.token


def test_ticket_survey_names_staff_and_service_and_stores_once(client, session, ticket):
    page = client.get(f"/t/{ticket}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Nguyễn Thị Thu Hà" in body and "Cấp giấy phép xây dựng" in body
    form = survey_form(client, f"/t/{ticket}")
    done = client.post(f"/t/{ticket}", data={**form, "overall": "5"})
    assert done.status_code == 303 and "/q/KH-TTHCC-Q03/thanks/" in done.headers["Location"]
    stored = session.scalar(select(Response))
    assert (stored.channel, stored.staff_attribution) == ("ticket", "ticket")
    assert session.scalar(select(Ticket.used_at)) is not None
    # The same browser retrying is answered with the same receipt; a new submission is refused.
    retry = client.post(f"/t/{ticket}", data={**form, "overall": "5"})
    assert retry.status_code == 303 and retry.headers["Location"] == done.headers["Location"]
    other = survey_form(client, "/q/KH-TTHCC-Q03")["submission_id"]
    assert client.post(f"/t/{ticket}", data={**form, "submission_id": other, "overall": "1"}).status_code == 410
    again = client.get(f"/t/{ticket}")
    assert again.status_code == 410 and "đã được sử dụng" in again.get_data(as_text=True)
    english = client.get(f"/t/{ticket}?lang=en")
    assert "already been used" in english.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Response)) == 1


@pytest.mark.parametrize("token", ["nonsense", "abc.def", "x" * 300])
def test_forged_tokens_get_a_friendly_404(client, token):
    response = client.get(f"/t/{token}")
    assert response.status_code == 404
    assert "Phiếu đánh giá không hợp lệ" in response.get_data(as_text=True)
    assert client.get(f"/t/{token}/qr.svg").status_code == 404


def test_expired_ticket(client, session, ticket):
    from datetime import UTC, datetime, timedelta

    session.execute(Ticket.__table__.update().values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    session.commit()
    response = client.get(f"/t/{ticket}")
    assert response.status_code == 410 and "hết hạn" in response.get_data(as_text=True)


def test_ticket_qr_and_slip(client, app, ticket):
    svg = client.get(f"/t/{ticket}/qr.svg")
    png = client.get(f"/t/{ticket}/qr.png")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    slip = client.get(f"/t/{ticket}/slip")
    body = slip.get_data(as_text=True)
    assert slip.status_code == 200 and "<svg" in body and "Nguyễn Thị Thu Hà" in body
    assert re.search(r"\d\d:\d\d \d\d/\d\d/\d{4}", body)
    assert app.config["FEEDBACK_PUBLIC_URL"] + f"/t/{ticket}" in body


def test_ticket_for_a_deactivated_counter_still_works(client, session, ticket):
    """The citizen was served before the counter closed; their ticket keeps its promise."""
    from feedback.models import Counter

    session.execute(Counter.__table__.update().values(active=False))
    session.commit()
    form = survey_form(client, f"/t/{ticket}")
    assert client.post(f"/t/{ticket}", data={**form, "overall": "3"}).status_code == 303
