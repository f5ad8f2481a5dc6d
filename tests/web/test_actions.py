"""Improvement actions: recorded by managers, marked on the trend, compared before/after over equal windows."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from feedback.services.actions import compare, create_action
from feedback.services.errors import Forbidden
from feedback.services.integrity import IntegrityRules
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey
from feedback.services.users import create_user
from tests.html import page

PASSWORD = "Mat-khau-du-dai-2026"
START = date(2026, 3, 9)  # a Monday


@pytest.fixture()
def org(session, factories):
    province = factories.unit(code="P")
    ward = factories.unit(code="P-A", parent=province, name_vi="Phường A")
    factories.unit(code="P-B", parent=province)
    factories.counter(code="QA", unit=ward)
    create_user(session, "a@p.vn", "manager", "P-A", PASSWORD)
    create_user(session, "v@p.vn", "viewer", "P-A", PASSWORD)
    survey = load_survey(session, factories.latest_version().id)
    # Before: 2 of 4 satisfied on overall; after: 3 of 3.
    for offset, level in ((-5, 5), (-4, 4), (-3, 2), (-2, 1), (0, 5), (1, 4), (2, 5)):
        when = datetime.combine(START + timedelta(days=offset), datetime.min.time(), UTC) + timedelta(hours=2)
        submit_response(
            session, "QA", survey, Submission(str(uuid.uuid4()), {"overall": level}), IntegrityRules(), now=when
        )
    return ward


def test_before_and_after_over_equal_windows(session, org):
    action = create_action(
        session, org.id, unit_code="P-A", title="Kiểm tra trước hồ sơ trực tuyến", starts_on=START, actor="a@p.vn"
    )
    result = compare(session, action, START + timedelta(days=6))
    # Seven days each side: before 2026-03-02..08 holds 2 of 4 satisfied (50 %); after 09..15 holds 3 of 3.
    assert (result.before.start, result.before.end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert (result.before.n, result.before.satisfied, result.after.n, result.after.satisfied) == (4, 2, 3, 3)
    assert result.before.csat == 50.0 and result.after.csat == 100.0
    assert result.change == pytest.approx(50.0) and result.change_low < result.change < result.change_high
    assert compare(session, action, START - timedelta(days=1)) is None


def test_actions_in_the_workspace(client, session, org):
    form = page(client.get("/login"))
    client.post("/login", data={"csrf_token": form.value("csrf_token"), "email": "a@p.vn", "password": PASSWORD})
    csrf = page(client.get("/manage/actions")).value("csrf_token")
    bad = client.post(
        "/manage/actions",
        data={"csrf_token": csrf, "unit": "P-B", "title": "x", "starts_on": "2026-03-09", "dimension": "overall"},
    )
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Đơn vị P-B không có hoặc không thuộc phạm vi của anh/chị." in body
    unknown = client.post(
        "/manage/actions",
        data={"csrf_token": csrf, "unit": "P-X", "title": "x", "starts_on": "2026-03-09", "dimension": "overall"},
    )
    # A unit outside the scope is refused in the same words as one that does not exist.
    tokenless = re.compile(r'name="csrf_token" value="[^"]*"')
    assert tokenless.sub("", unknown.get_data(as_text=True).replace("P-X", "P-B")) == tokenless.sub("", body)
    made = client.post(
        "/manage/actions",
        data={
            "csrf_token": csrf,
            "unit": "P-A",
            "title": "Kiểm tra trước hồ sơ",
            "starts_on": "2026-03-09",
            "dimension": "overall",
        },
    )
    assert made.status_code == 303
    detail = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Kiểm tra trước hồ sơ" in detail and "Trước" in detail and "Sau" in detail
    trend = client.get("/manage/?from=2026-03-01&to=2026-03-15").get_data(as_text=True)
    assert 'class="mark"' in trend and "Kiểm tra trước hồ sơ" in trend
    viewer = client.application.test_client()
    form = page(viewer.get("/login"))
    viewer.post("/login", data={"csrf_token": form.value("csrf_token"), "email": "v@p.vn", "password": PASSWORD})
    token = page(viewer.get("/manage/actions")).value("csrf_token")
    assert (
        viewer.post(
            "/manage/actions",
            data={"csrf_token": token, "unit": "P-A", "title": "x", "starts_on": "2026-03-09", "dimension": "overall"},
        ).status_code
        == 403
    )


def test_an_action_outside_the_scope_is_refused(session, org, factories):
    other = factories.unit(code="ELSEWHERE")
    with pytest.raises(Forbidden):
        create_action(session, org.id, unit_code="ELSEWHERE", title="x", starts_on=START, actor="a")
    assert other.id
