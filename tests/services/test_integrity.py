"""Integrity flags, worked by hand: each pattern raises its flag, with its reason, and honest ones none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feedback.services.integrity import (
    Hasher,
    IntegrityRules,
    Origin,
    SettingError,
    compute_flags,
    parse_hours,
    parse_networks,
    within_hours,
)
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey

# Monday 2 March 2026, 09:00 in Hà Nội time (UTC+7).
MONDAY_9AM = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture()
def place(factories, session):
    unit = factories.unit(code="W1")
    unit.internal_networks = "10.20.0.0/16"
    unit.opening_hours = "mon-fri 07:00-11:30 13:30-17:00; sat 07:30-11:30"
    session.commit()
    counter = factories.counter(code="W1-Q1", unit=unit)
    survey = load_survey(session, factories.latest_version().id)
    return unit, counter, survey


def submit(session, survey, *, at, device=None, ip=None, ip_hash=None, channel="counter", kiosk=None, counter="W1-Q1"):
    import uuid

    origin = Origin(ip_hash=ip_hash, device_hash=device, ip=ip, kiosk_device_id=kiosk)
    submission = Submission(submission_id=str(uuid.uuid4()), answers={"overall": 5}, channel=channel, origin=origin)
    return submit_response(session, counter, survey, submission, IntegrityRules(), now=at)


def test_an_honest_response_has_no_flag(session, place):
    _, _, survey = place
    assert submit(session, survey, at=MONDAY_9AM, device="d1", ip="203.0.113.5", ip_hash="h1").flags == ()


def test_a_burst_from_one_device(session, place):
    _, _, survey = place
    flags = [submit(session, survey, at=MONDAY_9AM + timedelta(minutes=i), device="phone").flags for i in range(5)]
    assert flags == [(), ("repeat_device",), ("burst",), ("burst",), ("burst",)]


def test_a_device_an_hour_later_is_a_repeat_not_a_burst(session, place):
    _, _, survey = place
    submit(session, survey, at=MONDAY_9AM, device="phone")
    assert submit(session, survey, at=MONDAY_9AM + timedelta(hours=1), device="phone").flags == ("repeat_device",)
    assert submit(session, survey, at=MONDAY_9AM + timedelta(days=2), device="phone").flags == ()


def test_many_honest_phones_behind_one_address_are_not_flagged_until_implausible(session, place):
    _, _, survey = place
    # Carrier-grade NAT: eleven different phones, one address, in ten minutes at one counter.
    flags = [
        submit(session, survey, at=MONDAY_9AM + timedelta(seconds=50 * i), device=f"phone{i}", ip_hash="nat").flags
        for i in range(12)
    ]
    assert flags[:11] == [()] * 11
    assert flags[11] == ("burst",)


def test_internal_network_and_its_reason(session, place):
    _, _, survey = place
    stored = submit(session, survey, at=MONDAY_9AM, ip="10.20.3.4")
    assert stored.flags == ("internal_network",)
    from sqlalchemy import select

    from feedback.models import Response

    response = session.scalar(select(Response).where(Response.receipt == stored.receipt))
    assert response.suspect is True
    assert response.flags[0].reason == "sent from the unit's staff network 10.20.0.0/16"


def test_kiosks_are_on_the_office_network_by_design(session, place, factories):
    _, _, survey = place
    assert submit(session, survey, at=MONDAY_9AM, ip="10.20.3.4", channel="kiosk", kiosk=None).flags == ()


def test_off_hours_with_grace(session, place):
    _, _, survey = place
    lunch = MONDAY_9AM + timedelta(hours=3, minutes=45)  # 12:45 local: closed, beyond the 30 min grace
    assert submit(session, survey, at=lunch).flags == ("off_hours",)
    just_after = MONDAY_9AM + timedelta(hours=2, minutes=50)  # 11:50: within the grace after 11:30
    assert submit(session, survey, at=just_after).flags == ()
    sunday = MONDAY_9AM - timedelta(days=1)
    assert submit(session, survey, at=sunday).flags == ("off_hours",)


def test_settings_are_inherited_from_the_nearest_ancestor(session, factories):
    province = factories.unit(code="PROV")
    province.internal_networks = "192.0.2.0/24"
    session.commit()
    ward = factories.unit(code="PROV-W", parent=province)
    factories.counter(code="PROV-W-Q1", unit=ward)
    survey = load_survey(session, factories.latest_version().id)
    assert submit(session, survey, at=MONDAY_9AM, ip="192.0.2.9", counter="PROV-W-Q1").flags == ("internal_network",)
    ward.internal_networks = "198.51.100.0/24"
    session.commit()
    assert submit(session, survey, at=MONDAY_9AM, ip="192.0.2.9", counter="PROV-W-Q1").flags == ()


def test_hasher_is_keyed_and_changes_with_the_month():
    hasher = Hasher("secret")
    march, april = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)
    assert hasher.hash("203.0.113.5", march) == hasher.hash("203.0.113.5", march)
    assert hasher.hash("203.0.113.5", march) != hasher.hash("203.0.113.5", april)
    assert hasher.hash("203.0.113.5", march) != Hasher("other").hash("203.0.113.5", march)
    assert "203" not in hasher.hash("203.0.113.5", march)
    assert hasher.hash(None, march) is None


@pytest.mark.parametrize(
    "text", ["mon-fri", "mon 7-11", "funday 07:00-11:00", "fri-mon 07:00-11:00", "mon 11:00-07:00"]
)
def test_bad_opening_hours_are_refused(text):
    with pytest.raises(SettingError):
        parse_hours(text)


def test_networks_parse_and_refuse():
    assert [str(n) for n in parse_networks("10.0.0.0/8, 2001:db8::/32 192.0.2.7")] == [
        "10.0.0.0/8",
        "2001:db8::/32",
        "192.0.2.7/32",
    ]
    with pytest.raises(SettingError, match="not an IP network"):
        parse_networks("10.0.0.0/33")


def test_within_hours_edges():
    hours = parse_hours("mon 07:30-11:30")
    local = datetime(2026, 3, 2, 7, 30)
    assert within_hours(hours, local, timedelta(0))
    assert not within_hours(hours, local - timedelta(minutes=1), timedelta(0))
    assert within_hours(hours, local.replace(hour=11, minute=59), timedelta(minutes=30))


def test_compute_flags_kiosk_interval(session, place, factories):
    unit, counter, survey = place
    from feedback.services.kiosk import create_enrolment, enrol_device

    token = create_enrolment(session, "W1-Q1")
    device_id, _secret, _code = enrol_device(session, token)
    submit(session, survey, at=MONDAY_9AM, channel="kiosk", kiosk=device_id)
    fast = submit(session, survey, at=MONDAY_9AM + timedelta(seconds=3), channel="kiosk", kiosk=device_id)
    assert fast.flags == ("kiosk_interval",)
    slow = submit(session, survey, at=MONDAY_9AM + timedelta(seconds=20), channel="kiosk", kiosk=device_id)
    assert slow.flags == ()
    assert (
        compute_flags(
            session,
            unit_id=unit.id,
            counter_id=counter.id,
            channel="ticket",
            origin=Origin(),
            now=MONDAY_9AM,
            rules=IntegrityRules(),
        )
        == []
    )
