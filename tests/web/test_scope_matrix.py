"""No page reveals a sibling unit's data: every GET route of the workspace, generated from the URL map,
visited by users of ward A with ward B's ids in the URL where a route takes one."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import select

from feedback.models import FollowUpCase
from feedback.services.actions import create_action
from feedback.services.integrity import IntegrityRules
from feedback.services.kiosk import put_on_duty
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey
from feedback.services.users import create_user
from tests.html import page

PASSWORD = "Mat-khau-du-dai-2026"
SECRET_MARKERS = (
    "Phường Bí Mật",
    "QB-BIMAT",
    "Trần Thị Bí Mật",
    "góp ý bí mật của phường B",
    "0905777666",
    "Hành động bí mật",
)


@pytest.fixture()
def siblings(session, factories):
    province = factories.unit(code="P")
    ward_a = factories.unit(code="P-A", parent=province, name_vi="Phường An")
    ward_b = factories.unit(code="P-B", parent=province, name_vi="Phường Bí Mật")
    factories.counter(code="QA", unit=ward_a)
    factories.counter(code="QB-BIMAT", unit=ward_b)
    factories.staff(code="SB", unit=ward_b, full_name="Trần Thị Bí Mật")
    survey = load_survey(session, factories.latest_version().id)
    put_on_duty(session, "QB-BIMAT", "SB")
    stored = submit_response(
        session,
        "QB-BIMAT",
        survey,
        Submission(
            str(uuid.uuid4()),
            {"overall": 1, "comment": "góp ý bí mật của phường B"},
            contact="0905777666",
            consent_text="đồng ý",
        ),
        IntegrityRules(),
        now=datetime.now(UTC),
    )
    action = create_action(
        session, ward_b.id, unit_code="P-B", title="Hành động bí mật", starts_on=date.today(), actor="b@p.vn"
    )
    for email, role in (("a-manager@p.vn", "manager"), ("a-admin@p.vn", "admin"), ("a-viewer@p.vn", "viewer")):
        create_user(session, email, role, "P-A", PASSWORD)
    case_id = session.scalar(select(FollowUpCase.id))
    return {"receipt": stored.receipt, "case_id": case_id, "action_id": action.id}


def _urls(app, ids):
    """Every GET route of the workspace, with ward B's ids where the route takes one."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/manage") or "GET" not in rule.methods:
            continue
        url = rule.rule
        url = url.replace("<int:case_id>", str(ids["case_id"])).replace("<int:action_id>", str(ids["action_id"]))
        url = re.sub(r"<(?:\w+:)?receipt>", ids["receipt"], url)
        url = re.sub(r"<int:\w+>", "1", url)
        url = re.sub(r"<(?:\w+:)?\w+>", "P-B", url)
        yield rule.rule, url
    # Filters naming ward B's unit, counter and staff must not widen the scope either.
    for query in (
        "group_by=unit",
        "group_by=counter",
        "group_by=staff",
        "group_by=service",
        "unit=P-B",
        "counter=QB-BIMAT",
        "staff=SB",
        "q=bi+mat",
        "unit=P-B&counter=QB-BIMAT",
        "counter=QB-BIMAT&staff=SB&flags=include",
        "staff=SB&group_by=staff&flags=exclude",
        "channel=counter",
        "unit=P-B&channel=counter",
        "counter=QB-BIMAT&channel=counter",
        "channel=kiosk&flags=exclude",
    ):
        yield "/manage/?" + query, "/manage/?" + query
        yield "/manage/responses?" + query, "/manage/responses?" + query


@pytest.mark.parametrize("email", ["a-manager@p.vn", "a-admin@p.vn", "a-viewer@p.vn"])
def test_users_of_ward_a_never_see_ward_b(app, client, siblings, email):
    form = page(client.get("/login"))
    assert (
        client.post(
            "/login", data={"csrf_token": form.value("csrf_token"), "email": email, "password": PASSWORD}
        ).status_code
        == 303
    )
    visited = 0
    for rule, url in _urls(app, siblings):
        response = client.get(url, follow_redirects=True)
        assert response.status_code < 500, (rule, url, response.status_code)
        body = response.get_data(as_text=True)
        for marker in SECRET_MARKERS:
            if marker in unquote_plus(url):
                continue  # the page may echo what the user typed in its own filter
            assert marker not in body, (email, rule, url, marker)
        visited += 1
    assert visited >= 20
