"""Rate limits stop machines, not citizens; the cached blank page is the page a render would give."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from feedback.models import Response
from tests.html import survey_form


@pytest.fixture()
def counter(factories):
    return factories.counter(code="KH-TTHCC-Q03")


def test_one_device_is_limited_but_many_citizens_behind_one_address_are_not(app, client, session, counter, rate_limits):
    statuses = []
    for _ in range(31):
        form = survey_form(client, "/q/KH-TTHCC-Q03")
        statuses.append(client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5"}).status_code)
    assert statuses[:30] == [303] * 30 and statuses[30] == 429
    blocked = client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5"})
    assert "Quá nhiều yêu cầu" in blocked.get_data(as_text=True)
    # Forty other phones on the same address (carrier NAT): each has its own device cookie.
    for _ in range(40):
        citizen = app.test_client()
        form = survey_form(citizen, "/q/KH-TTHCC-Q03")
        assert citizen.post("/q/KH-TTHCC-Q03", data={**form, "overall": "4"}).status_code == 303
    assert session.scalar(select(func.count()).select_from(Response)) == 70


def _slots_blanked(html: str) -> str:
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "CSRF", html)
    return re.sub(r'value="[0-9a-f-]{36}"', "SUBMISSION", html)


def test_cached_blank_page_equals_a_fresh_render(app, client, session, counter, warm_caches):
    first = client.get("/q/KH-TTHCC-Q03?service=%3Cb%3E").get_data(as_text=True)
    second = client.get("/q/KH-TTHCC-Q03?service=%3Cb%3E").get_data(as_text=True)
    assert "feedback-slot" not in second
    assert 'value="&lt;b&gt;"' in second and "<b>" not in second
    assert _slots_blanked(first) == _slots_blanked(second)
    ids = re.findall(r'name="submission_id" type="hidden" value="([0-9a-f-]{36})"', first + second)
    assert len(set(ids)) == 2
    english = client.get("/q/KH-TTHCC-Q03?lang=en").get_data(as_text=True)
    assert "Very satisfied" in english
    form = survey_form(client, "/q/KH-TTHCC-Q03")
    assert client.post("/q/KH-TTHCC-Q03", data={**form, "overall": "5"}).status_code == 303
