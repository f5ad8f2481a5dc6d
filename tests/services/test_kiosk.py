"""Kiosk enrolment and duty shifts, and the attribution of responses to whoever is on duty."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from feedback.models import CounterShift, Response
from feedback.services.errors import InvalidInput, NotFound
from feedback.services.kiosk import (
    DeviceSigner,
    KioskDenied,
    SignInFailed,
    create_enrolment,
    enrol_device,
    on_duty,
    put_on_duty,
    revoke_devices,
    set_staff_pin,
    sign_in_with_pin,
    sign_out,
    verify_device,
)
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey


@pytest.fixture()
def counter(factories):
    unit = factories.unit(code="KH-TTHCC")
    factories.counter(code="Q02", unit=unit)
    return factories.counter(code="Q03", unit=unit)


def test_enrolment_link_works_once_and_binds_the_counter(session, counter):
    token = create_enrolment(session, "Q03", "Tablet quầy 3")
    device_id, secret, code = enrol_device(session, token)
    assert code == "Q03"
    assert verify_device(session, device_id, secret, "Q03").counter_id == counter.id
    with pytest.raises(KioskDenied, match="already used"):
        enrol_device(session, token)
    with pytest.raises(KioskDenied, match="enrolled at counter Q03"):
        verify_device(session, device_id, secret, "Q02")
    with pytest.raises(KioskDenied):
        verify_device(session, device_id, "wrong", "Q03")


def test_enrolment_expires_and_revocation_stops_a_device(session, counter):
    old = create_enrolment(session, "Q03", now=datetime.now(UTC) - timedelta(hours=25))
    with pytest.raises(KioskDenied, match="expired"):
        enrol_device(session, old)
    device_id, secret, _ = enrol_device(session, create_enrolment(session, "Q03"))
    assert revoke_devices(session, "Q03") == 2  # the enrolled one and the expired link
    with pytest.raises(KioskDenied, match="revoked"):
        verify_device(session, device_id, secret, "Q03")
    with pytest.raises(NotFound):
        create_enrolment(session, "NOPE")


def test_device_cookie_is_signed():
    signer = DeviceSigner("secret")
    cookie = signer.cookie(7, "abc")
    assert signer.read(cookie) == (7, "abc")
    for bad in (None, "", "7:abc", cookie + "x", DeviceSigner("other").cookie(7, "abc")):
        with pytest.raises(KioskDenied):
            signer.read(bad)


def test_pin_sign_in_and_attribution(session, counter, factories):
    staff = factories.staff(code="CB0007", full_name="Lê Văn Tâm")
    with pytest.raises(InvalidInput):
        set_staff_pin(session, "CB0007", "1234")
    set_staff_pin(session, "CB0007", "246810")
    with pytest.raises(SignInFailed):
        sign_in_with_pin(session, counter.id, "CB0007", "000000")
    with pytest.raises(SignInFailed):
        sign_in_with_pin(session, counter.id, "NOBODY", "246810")
    assert sign_in_with_pin(session, counter.id, "CB0007", "246810") == "Lê Văn Tâm"
    assert on_duty(session, counter.id) == (staff.id, "Lê Văn Tâm")
    survey = load_survey(session, factories.latest_version().id)
    stored = submit_response(
        session, "Q03", survey, Submission(submission_id=str(uuid.uuid4()), answers={"overall": 5})
    )
    response = session.scalar(select(Response).where(Response.receipt == stored.receipt))
    assert (response.staff_id, response.staff_attribution) == (staff.id, "signed_in")
    sign_out(session, counter.id)
    assert on_duty(session, counter.id) is None
    stored = submit_response(
        session, "Q03", survey, Submission(submission_id=str(uuid.uuid4()), answers={"overall": 5})
    )
    response = session.scalar(select(Response).where(Response.receipt == stored.receipt))
    assert (response.staff_id, response.staff_attribution) == (None, "none")


def test_a_new_shift_closes_the_previous_one(session, counter, factories):
    factories.staff(code="A1")
    factories.staff(code="A2")
    put_on_duty(session, "Q03", "A1")
    put_on_duty(session, "Q03", "A2")
    shifts = session.scalars(select(CounterShift).order_by(CounterShift.id)).all()
    assert [(s.method, s.ended_at is None) for s in shifts] == [("manager", False), ("manager", True)]
    assert put_on_duty(session, "Q03", None) is None
    assert on_duty(session, counter.id) is None
    with pytest.raises(NotFound):
        put_on_duty(session, "Q03", "NOPE")
