"""The dashboard narrowed to a unit, a counter, a staff member or a service, with or without flagged responses;
the weekly and monthly trends; the drill-down to the same responses."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from feedback.services.integrity import IntegrityRules, Origin
from feedback.services.kiosk import put_on_duty
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey
from feedback.services.users import create_user
from tests.html import page

PASSWORD = "Mat-khau-du-dai-2026"
PERIOD = "from=2026-03-01&to=2026-03-31"


@pytest.fixture()
def org(session, factories):
    """Ward A: counters QA1, QA2, staff SA1, SA2; ward B: counter QB, staff SB. Services S1, S2, S3.

    In March 2026 (all overall ratings, local days):
      QA1 + SA1 + S1: 5, 5, 3  ·  QA2 + SA2 + S2: 4, 2  ·  QB + SB + S3: 1 (ward B)
    In January 2026: QA1 + SA1 + S1: 4.
    One more response at QA2 (overall 5) in March is flagged as a burst (same device twice).
    """
    province = factories.unit(code="P", name_vi="Tỉnh")
    ward_a = factories.unit(code="P-A", parent=province, name_vi="Phường A")
    ward_b = factories.unit(code="P-B", parent=province, name_vi="Phường B")
    for code, unit, label in (("QA1", ward_a, "Quầy A1"), ("QA2", ward_a, "Quầy A2"), ("QB", ward_b, "Quầy B")):
        factories.counter(code=code, unit=unit, label_vi=label)
    for code, unit, name in (("SA1", ward_a, "Lê Một"), ("SA2", ward_a, "Lê Hai"), ("SB", ward_b, "Trần Bê")):
        factories.staff(code=code, unit=unit, full_name=name)
    for code, name in (("S1", "Khai sinh"), ("S2", "Chứng thực"), ("S3", "Đất đai")):
        factories.service(code=code, name_vi=name)
    survey = load_survey(session, factories.latest_version().id)

    def rate(counter, staff, service, level, when, origin=None, rules=None):  # noqa: ANN001, ANN202
        put_on_duty(session, counter, staff)
        submission = Submission(str(uuid.uuid4()), {"overall": level}, service_code=service)
        if origin:
            submission.origin = origin
        return submit_response(session, counter, survey, submission, rules or IntegrityRules(), now=when)

    march = datetime(2026, 3, 10, 3, tzinfo=UTC)
    for level in (5, 5, 3):
        rate("QA1", "SA1", "S1", level, march)
    for level in (4, 2):
        rate("QA2", "SA2", "S2", level, march)
    rate("QB", "SB", "S3", 1, march)
    rate("QA1", "SA1", "S1", 4, datetime(2026, 1, 15, 3, tzinfo=UTC))
    bursty = IntegrityRules(burst_device_count=2)
    device = Origin(device_hash="same-phone")
    first = rate("QA2", "SA2", "S2", 5, datetime(2026, 3, 12, 3, tzinfo=UTC), device, bursty)
    second = rate("QA2", "SA2", "S2", 5, datetime(2026, 3, 12, 3, 1, tzinfo=UTC), device, bursty)
    assert not first.flags and second.flags
    for email, unit in (("tinh@p.vn", "P"), ("a@p.vn", "P-A")):
        create_user(session, email, "manager", unit, PASSWORD)
    return {"flagged": second.receipt}


def sign_in(client, email):  # noqa: ANN001, ANN201
    form = page(client.get("/login"))
    client.post("/login", data={"csrf_token": form.value("csrf_token"), "email": email, "password": PASSWORD})
    return client


def valid_count(body: str) -> int:
    return int(re.search(r"Số phiếu hợp lệ</p><p class=\"big\">(\d+)<", body).group(1))


def table_rows(body: str, section_id: str) -> dict[str, tuple[str, str]]:
    """{first cell: (n, index)} of the data table in the section titled ``section_id``."""
    section = body[body.index(f'id="{section_id}"') :]
    section = section[: section.index("</section>")]
    return {m[0]: (m[1], m[2]) for m in re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td>([^<]+)</td>", section)}


def drill_link(body: str) -> dict[str, list[str]]:
    href = re.search(r'<a href="([^"]+)">Xem các phiếu đánh giá và góp ý', body).group(1).replace("&amp;", "&")
    return parse_qs(urlsplit(href).query)


def test_a_counter_staff_member_or_service_narrows_every_figure(client, org):
    sign_in(client, "a@p.vn")
    whole = client.get(f"/manage/?{PERIOD}").get_data(as_text=True)
    assert valid_count(whole) == 7  # ward A in March: 3 + 2 + 2 (the flagged one counts by default)
    for query, n in (("counter=QA1", 3), ("staff=SA2", 4), ("service=S1", 3), ("counter=QA2", 4)):
        body = client.get(f"/manage/?{PERIOD}&{query}").get_data(as_text=True)
        assert valid_count(body) == n, query
        kind, code = query.split("=")
        assert drill_link(body) == {"from": ["2026-03-01"], "to": ["2026-03-31"], kind: [code]}
        # The distribution follows the filter too.
        assert re.search(rf"<tr><th scope=\"row\">overall</th><td>{n}</td>", body), query
    body = client.get(f"/manage/?{PERIOD}&counter=QA1").get_data(as_text=True)
    assert 'class="focus"' in body and "Quầy A1" in body
    # Overall 5, 5, 3 at QA1: mean 13/3, score (13/3 - 1) / 4 × 100 = 83.3.
    assert table_rows(body, "month-title")["03/2026"] == ("3", "83.3")


def test_the_drill_down_lists_the_same_responses(client, org):
    sign_in(client, "a@p.vn")
    for query, n in (("counter=QA1", 3), ("staff=SA2", 4), ("service=S2", 4)):
        body = client.get(f"/manage/?{PERIOD}&{query}").get_data(as_text=True)
        href = re.search(r'<a href="([^"]+)">Xem các phiếu đánh giá và góp ý', body).group(1).replace("&amp;", "&")
        listed = client.get(href).get_data(as_text=True)
        assert listed.count('<li class="response') == n, query
        assert "Đang lọc theo" in listed


def test_only_one_of_counter_staff_and_service_applies_and_the_page_says_so(client, org):
    sign_in(client, "a@p.vn")
    body = client.get(f"/manage/?{PERIOD}&counter=QA1&staff=SA2&service=S2").get_data(as_text=True)
    assert valid_count(body) == 3  # the counter's figures
    assert "chỉ lọc được theo một trong bốn, theo thứ tự ưu tiên: quầy, cán bộ, thủ tục, kênh." in body
    assert "Đang lọc theo quầy QA1; đã bỏ qua: cán bộ SA2, thủ tục S2." in body
    assert drill_link(body).get("staff") is None and drill_link(body)["counter"] == ["QA1"]


def _without_tokens(body: str, code: str) -> str:
    body = re.sub(r'name="csrf_token" value="[^"]+"', "", body)
    return body.replace(f"“{code}”", "“CODE”")  # the note names what the user asked for


@pytest.mark.parametrize(
    ("kind", "outside"), [("counter", "QB"), ("staff", "SB"), ("service", "S3"), ("unit", "P-B"), ("unit", "P")]
)
def test_a_code_outside_the_scope_gives_what_an_unknown_code_gives(client, org, kind, outside):
    sign_in(client, "a@p.vn")
    foreign = client.get(f"/manage/?{PERIOD}&{kind}={outside}").get_data(as_text=True)
    unknown = client.get(f"/manage/?{PERIOD}&{kind}=NOPE").get_data(as_text=True)
    assert _without_tokens(foreign, outside) == _without_tokens(unknown, "NOPE")
    assert "Không tìm thấy" in foreign and valid_count(foreign) == 7
    for secret in ("Quầy B", "Trần Bê", "Đất đai", "Phường B"):
        assert secret not in foreign


def test_the_lists_offer_only_what_is_in_scope(client, org):
    sign_in(client, "a@p.vn")
    body = client.get(f"/manage/?{PERIOD}").get_data(as_text=True)

    def options(name: str) -> list[str]:
        select = re.search(rf'<select id="f-{name}" name="{name}">(.*?)</select>', body, re.S).group(1)
        return re.findall(r'<option value="([^"]*)"', select)

    assert options("unit") == ["", "P-A"]
    assert options("counter") == ["", "QA1", "QA2"]
    assert sorted(options("staff")) == ["", "SA1", "SA2"]
    assert options("service") == ["", "S1", "S2"]
    province = sign_in(client.application.test_client(), "tinh@p.vn")
    body = province.get(f"/manage/?{PERIOD}&unit=P-B").get_data(as_text=True)
    assert "<h1>Phường B</h1>" in body and valid_count(body) == 1
    counters = re.search(r'<select id="f-counter" name="counter">(.*?)</select>', body, re.S).group(1)
    assert "QB" in counters and "QA1" not in counters
    assert drill_link(body)["unit"] == ["P-B"]


def test_flagged_responses_are_counted_or_left_out_on_request(client, org):
    sign_in(client, "a@p.vn")
    counted = client.get(f"/manage/?{PERIOD}&counter=QA2&flags=include").get_data(as_text=True)
    left_out = client.get(f"/manage/?{PERIOD}&counter=QA2&flags=exclude").get_data(as_text=True)
    assert valid_count(counted) == 4 and valid_count(left_out) == 3
    assert "nghi vấn: 1</p>" in left_out  # the flagged response is still reported beside the figures
    assert drill_link(left_out)["flags"] == ["exclude"] and "flags" not in drill_link(counted)
    listed = client.get("/manage/responses?" + PERIOD + "&counter=QA2&flags=exclude").get_data(as_text=True)
    assert listed.count('<li class="response') == 3 and org["flagged"][:4] not in listed
    only = client.get("/manage/responses?" + PERIOD + "&flagged=1").get_data(as_text=True)
    assert only.count('<li class="response') == 1 and org["flagged"][:4] in only


def test_weekly_and_monthly_trends(client, org):
    sign_in(client, "a@p.vn")
    body = client.get(f"/manage/?{PERIOD}&counter=QA1").get_data(as_text=True)
    months = table_rows(body, "month-title")
    assert len(months) == 12 and list(months)[-1] == "03/2026" and list(months)[0] == "04/2025"
    # January: one overall 4 → (4 - 1) / 4 × 100 = 75.0; February: nothing.
    assert months["01/2026"] == ("1", "75.0") and months["02/2026"] == ("0", "–")
    weeks = table_rows(body, "trend-title")
    assert len(weeks) == 12 and weeks["09/03/2026"] == ("3", "83.3")
    assert "Chỉ số hài lòng theo tháng" in body and body.count('<svg class="trend"') == 2
