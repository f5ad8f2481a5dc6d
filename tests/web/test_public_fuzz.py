"""Whatever a client posts to the survey, it gets a 303 with one stored response or a 4xx with none."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from feedback.models import Counter, Response
from tests.html import survey_form

FIELDS = [
    "overall",
    "attitude",
    "timeliness",
    "ease",
    "transparency",
    "comment",
    "contact",
    "contact_consent",
    "service",
    "website",
    "submission_id",
    "unknown_field",
]

values = st.one_of(
    st.text(max_size=50),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["1", "5", "", " 3 ", "٣", "５", "1e1", "0x1", "NaN", "=1+1", "\x00", "y", "on"]),
    st.text(min_size=1990, max_size=2100, alphabet="aăâ "),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(FIELDS), values, max_size=8))
def test_any_post_is_a_303_with_one_row_or_a_4xx_with_none(client, session, factories, data):
    code = "FUZZ-Q1"
    if session.scalar(select(Counter.id).where(Counter.code == code)) is None:
        factories.counter(code=code)
    form = survey_form(client, f"/q/{code}")
    before = session.scalar(select(func.count()).select_from(Response))
    response = client.post(f"/q/{code}", data={**form, **data})
    after = session.scalar(select(func.count()).select_from(Response))
    assert response.status_code in (303, 400, 413, 422), response.status_code
    if response.status_code == 303:
        assert after - before in (0, 1)  # 0 only when a fuzzed submission id repeats an earlier one
        assert "/thanks/" in response.headers["Location"]
    else:
        assert after == before
