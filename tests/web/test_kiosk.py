"""Kiosk mode without a browser: enrolment, the device cookie, staff sign-in and the JSON queue endpoint."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from feedback.models import Response
from feedback.services.kiosk import create_enrolment, set_staff_pin
from feedback.web.kiosk import KIOSK_COOKIE
from tests.html import page


@pytest.fixture()
def counter(factories):
    unit = factories.unit(code="KH-TTHCC", name_vi="Trung tâm Phục vụ hành chính công")
    factories.counter(code="Q01", unit=unit)
    return factories.counter(code="Q03", unit=unit, label_vi="Quầy 03")


def enrol(client, session, code="Q03"):
    token = create_enrolment(session, code, "Tablet")
    confirm = client.get(f"/k/enrol/{token}")
    assert confirm.status_code == 200 and code in confirm.get_data(as_text=True)
    csrf = page(confirm).value("csrf_token")
    done = client.post(f"/k/enrol/{token}", data={"csrf_token": csrf})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/k/{code}")
    cookie = next(c for c in done.headers.getlist("Set-Cookie") if c.startswith(KIOSK_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/k/" in cookie
    return token


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Response))


def test_a_browser_that_is_not_enrolled_is_turned_away(client, counter):
    response = client.get("/k/Q03")
    assert response.status_code == 403
    assert "chưa được đăng ký" in response.get_data(as_text=True)
    assert client.post("/k/Q03/responses", json={}, headers={"X-Kiosk": "1"}).status_code == 403


def test_enrolment_link_works_once(client, session, counter, app):
    token = enrol(client, session)
    assert client.get(f"/k/enrol/{token}").status_code == 403
    other = app.test_client()
    assert other.get("/k/Q03").status_code == 403


def test_enrolled_kiosk_is_bound_to_its_counter(client, session, counter):
    enrol(client, session)
    assert client.get("/k/Q03").status_code == 200
    refused = client.get("/k/Q01")
    assert refused.status_code == 403 and "Q03" in refused.get_data(as_text=True)


def test_kiosk_form_post_without_javascript(client, session, counter):
    enrol(client, session)
    start = page(client.get("/k/Q03"))
    data = {"csrf_token": start.value("csrf_token"), "submission_id": start.value("submission_id"), "overall": "4"}
    done = client.post("/k/Q03", data=data)
    assert done.status_code == 303 and done.headers["Location"].endswith("/k/Q03/thanks")
    thanks = client.get("/k/Q03/thanks")
    assert 'http-equiv="refresh"' in thanks.get_data(as_text=True)
    stored = session.scalar(select(Response))
    assert (stored.channel, stored.kiosk_device_id is not None, stored.device_hash) == ("kiosk", True, None)


def test_queue_endpoint_is_idempotent_and_validates(client, session, counter):
    enrol(client, session)
    submission = {"submission_id": str(uuid.uuid4()), "answers": {"overall": "5", "attitude": 4}}
    first = client.post("/k/Q03/responses", json=submission, headers={"X-Kiosk": "1"})
    assert first.status_code == 201 and re.fullmatch(r"[0-9A-Z]{8}", first.json["receipt"])
    again = client.post("/k/Q03/responses", json=submission, headers={"X-Kiosk": "1"})
    assert again.status_code == 200 and again.json == {"receipt": first.json["receipt"], "created": False}
    assert count(session) == 1
    bad = client.post(
        "/k/Q03/responses",
        json={"submission_id": str(uuid.uuid4()), "answers": {"overall": "9"}},
        headers={"X-Kiosk": "1"},
    )
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_answers"
    assert client.post("/k/Q03/responses", json=submission).status_code == 400  # no X-Kiosk header
    assert client.post("/k/Q03/responses", data="x", headers={"X-Kiosk": "1"}).status_code == 400
    assert client.post("/k/Q03/responses", json=[1, 2], headers={"X-Kiosk": "1"}).status_code == 400
    assert count(session) == 1


def test_queued_answer_keeps_the_time_it_was_given(client, session, counter):
    from datetime import UTC, datetime, timedelta

    enrol(client, session)
    earlier = datetime.now(UTC) - timedelta(minutes=20)
    client.post(
        "/k/Q03/responses",
        headers={"X-Kiosk": "1"},
        json={"submission_id": str(uuid.uuid4()), "answers": {"overall": "5"}, "answered_at": earlier.isoformat()},
    )
    stored = session.scalar(select(Response.submitted_at))
    assert abs((stored - earlier).total_seconds()) < 1
    # A time in the future, or days old, is not believed.
    client.post(
        "/k/Q03/responses",
        headers={"X-Kiosk": "1"},
        json={"submission_id": str(uuid.uuid4()), "answers": {"overall": "5"}, "answered_at": "2099-01-01T00:00:00Z"},
    )
    latest = session.scalar(select(func.max(Response.submitted_at)))
    assert latest < datetime(2099, 1, 1, tzinfo=UTC)


def test_staff_sign_in_with_pin_attributes_responses(client, session, counter, factories):
    staff = factories.staff(code="CB0007", full_name="Lê Văn Tâm")
    set_staff_pin(session, "CB0007", "135790")
    enrol(client, session)
    form = page(client.get("/k/Q03/staff"))
    wrong = client.post(
        "/k/Q03/staff",
        data={"csrf_token": form.value("csrf_token"), "action": "sign_in", "staff_code": "CB0007", "pin": "000000"},
    )
    assert wrong.status_code == 422 and "không đúng" in wrong.get_data(as_text=True)
    right = client.post(
        "/k/Q03/staff",
        data={"csrf_token": form.value("csrf_token"), "action": "sign_in", "staff_code": "CB0007", "pin": "135790"},
    )
    assert right.status_code == 303
    assert "Lê Văn Tâm" in client.get("/k/Q03").get_data(as_text=True)
    client.post(
        "/k/Q03/responses",
        headers={"X-Kiosk": "1"},
        json={"submission_id": str(uuid.uuid4()), "answers": {"overall": "3"}},
    )
    stored = session.scalar(select(Response))
    assert (stored.staff_id, stored.staff_attribution) == (staff.id, "signed_in")
    out = client.post("/k/Q03/staff", data={"csrf_token": form.value("csrf_token"), "action": "sign_out"})
    assert out.status_code == 303
    assert "Lê Văn Tâm" not in client.get("/k/Q03").get_data(as_text=True)


def test_staff_sign_in_needs_csrf(client, session, counter):
    enrol(client, session)
    response = client.post("/k/Q03/staff", data={"action": "sign_in", "staff_code": "X", "pin": "1"})
    assert response.status_code == 400


def test_pin_guessing_is_rate_limited(client, session, counter, rate_limits):
    enrol(client, session)
    csrf = page(client.get("/k/Q03/staff")).value("csrf_token")
    statuses = [
        client.post(
            "/k/Q03/staff", data={"csrf_token": csrf, "action": "sign_in", "staff_code": "X", "pin": "000000"}
        ).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [422] * 10 and statuses[10:] == [429, 429]
