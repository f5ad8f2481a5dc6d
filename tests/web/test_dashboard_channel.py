"""The dashboard narrowed to a channel (the counter's QR, the receipt's QR, the kiosk): its figures from
the channel summaries, worked out by hand; its precedence below counter, staff and service; the
drill-down to the same responses."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from feedback.kpi.metrics import KpiRules
from feedback.models import Unit
from feedback.services.integrity import IntegrityRules
from feedback.services.kiosk import put_on_duty
from feedback.services.kpi import channel_rows, kpi_report
from feedback.services.kpi_rules import change_rules
from feedback.services.moderation import exclude_response
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey
from feedback.services.users import create_user
from tests.web.test_dashboard_filters import PASSWORD, drill_link, sign_in, table_rows, valid_count

PERIOD = "from=2026-03-01&to=2026-03-31"


@pytest.fixture()
def org(session, factories):
    """Ward A: counter QA1 (staff SA1 on duty), service S1; ward B: counter QB. In March 2026:

    ward A, counter channel: overall 5 + attitude 4, overall 2 + attitude 4
    ward A, kiosk channel:   overall 4; one more kiosk response, excluded
    ward B, kiosk channel:   overall 1
    """
    province = factories.unit(code="P", name_vi="Tỉnh")
    ward_a = factories.unit(code="P-A", parent=province, name_vi="Phường A")
    ward_b = factories.unit(code="P-B", parent=province, name_vi="Phường B")
    factories.counter(code="QA1", unit=ward_a, label_vi="Quầy A1")
    factories.counter(code="QB", unit=ward_b, label_vi="Quầy B")
    factories.staff(code="SA1", unit=ward_a, full_name="Lê Một")
    factories.service(code="S1", name_vi="Khai sinh")
    survey = load_survey(session, factories.latest_version().id)
    put_on_duty(session, "QA1", "SA1")
    march = datetime(2026, 3, 10, 3, tzinfo=UTC)

    def rate(counter: str, channel: str, answers: dict) -> str:
        submission = Submission(str(uuid.uuid4()), answers, channel=channel, service_code="S1")
        return submit_response(session, counter, survey, submission, IntegrityRules(), now=march).receipt

    rate("QA1", "counter", {"overall": 5, "attitude": 4})
    rate("QA1", "counter", {"overall": 2, "attitude": 4})
    rate("QA1", "kiosk", {"overall": 4})
    excluded = rate("QA1", "kiosk", {"overall": 1})
    exclude_response(session, excluded, "Bấm nhầm", "a@p.vn")
    rate("QB", "kiosk", {"overall": 1})
    for email, unit in (("tinh@p.vn", "P"), ("a@p.vn", "P-A")):
        create_user(session, email, "manager", unit, PASSWORD)
    return {"excluded": excluded}


def cards(body: str) -> dict[str, str]:
    """The headline cards' figures, as shown."""
    section = body[body.index('<section class="cards"') :]
    section = section[: section.index("</section>")]
    interval = re.search(r"khoảng tin cậy 95%: ([^<]+)</p>", section)
    rate, band = re.search(r'Tỷ lệ phản hồi</p><p class="big">([^<]+)</p><p class="small">([^<]*)<', section).groups()
    return {
        "index": re.search(r'Chỉ số hài lòng</p><p class="big">([^<]+)<', section).group(1),
        "adjusted": re.search(r"điều chỉnh: ([^<]+)</p>", section).group(1),
        "csat": re.search(r'\(CSAT\)</p><p class="big">([^<]+)<', section).group(1),
        "interval": interval.group(1) if interval else "",
        "n": str(valid_count(section)),
        "beside": re.search(r"(bị loại: \d+ · nghi vấn: \d+)", section).group(1),
        "rate": rate,
        "band": band,
    }


def test_the_counter_channel_figures_are_worked_out_from_its_own_responses(client, org):
    sign_in(client, "a@p.vn")
    body = client.get(f"/manage/?{PERIOD}&channel=counter").get_data(as_text=True)
    # overall 5, 2: mean 3.5, score (3.5 − 1) / 4 × 100 = 62.5; attitude 4, 4: score 75.
    # index (62.5 + 75) / 2 = 68.75. The parent is ward A over every channel: overall 5, 2, 4 → score
    # (11/3 − 1) / 4 × 100 = 66.67, attitude 75 → 70.83; adjusted (2 × 68.75 + 20 × 70.83) / 22 = 70.64.
    # CSAT: 1 of 2 overall answers at 4–5 = 50 %; Wilson at 95 %: (0.5 + 0.9604 ± 1.96 × √(0.125 + 0.2401))
    # / 2.9208 = 9.45 %–90.55 %.
    assert cards(body) == {
        "index": "68.8",
        "adjusted": "70.6",
        "csat": "50.0%",
        "interval": "9.5–90.5%",
        "n": "2",
        "beside": "bị loại: 0 · nghi vấn: 0",
        "rate": "–",  # transactions are not known per channel
        "band": "chưa đủ dữ liệu",
    }
    assert '<p class="focus">Kênh: <strong>Mã QR tại quầy</strong></p>' in body
    assert re.search(r'<option value="counter" selected>Mã QR tại quầy</option>', body)
    # The distribution and the trends follow the channel.
    assert re.search(r'<tr><th scope="row">overall</th><td>2</td>', body)
    assert "Rất hài lòng: 1 (50.0%)" in body and "Không hài lòng: 1 (50.0%)" in body
    assert table_rows(body, "month-title")["03/2026"] == ("2", "68.8")
    assert table_rows(body, "trend-title")["09/03/2026"] == ("2", "68.8")
    assert drill_link(body) == {"from": ["2026-03-01"], "to": ["2026-03-31"], "channel": ["counter"]}


def test_the_kiosk_channel_counts_its_excluded_response_beside_and_never_another_ward(client, org):
    sign_in(client, "a@p.vn")
    body = client.get(f"/manage/?{PERIOD}&channel=kiosk").get_data(as_text=True)
    # overall 4: score 75, index 75; adjusted (1 × 75 + 20 × 70.83) / 21 = 71.03. CSAT 1 of 1; Wilson:
    # (1 + 1.9208 ± 1.96 × √(0 + 0.9604)) / 4.8416 = 20.65 %–100 %. Ward B's kiosk response is not counted.
    assert cards(body) == {
        "index": "75.0",
        "adjusted": "71.0",
        "csat": "100.0%",
        "interval": "20.7–100.0%",
        "n": "1",
        "beside": "bị loại: 1 · nghi vấn: 0",
        "rate": "–",
        "band": "chưa đủ dữ liệu",
    }
    province = sign_in(client.application.test_client(), "tinh@p.vn")
    whole = province.get(f"/manage/?{PERIOD}&channel=kiosk").get_data(as_text=True)
    assert cards(whole)["n"] == "2" and cards(whole)["index"] == "37.5"  # overall 4 and 1: (2.5 − 1) / 4
    ward_a = province.get(f"/manage/?{PERIOD}&channel=kiosk&unit=P-A").get_data(as_text=True)
    assert cards(ward_a) == cards(body)
    assert drill_link(ward_a) == {"from": ["2026-03-01"], "to": ["2026-03-31"], "unit": ["P-A"], "channel": ["kiosk"]}


def test_the_channels_add_up_to_their_unit(session, org):
    ward_a = session.scalar(select(Unit).where(Unit.code == "P-A"))
    rules = KpiRules()
    rows = channel_rows(session, unit_id=ward_a.id, date_from=date(2026, 2, 20), date_to=date(2026, 4, 5), rules=rules)
    unit = kpi_report(
        session,
        scope_unit_id=ward_a.id,
        date_from=date(2026, 2, 20),
        date_to=date(2026, 4, 5),
        group_by="unit",
        rules=rules,
    ).rows[0]
    assert sorted(rows) == ["counter", "kiosk"]
    assert [sum(getattr(r, name) for r in rows.values()) for name in ("n", "excluded", "suspect")] == [
        unit.n,
        unit.excluded,
        unit.suspect,
    ]
    assert sum(r.dimensions["overall"].n for r in rows.values()) == unit.dimensions["overall"].n == 3


def test_a_channel_without_responses_shows_no_figures(client, org):
    sign_in(client, "a@p.vn")
    body = client.get(f"/manage/?{PERIOD}&channel=ticket").get_data(as_text=True)
    assert cards(body)["n"] == "0" and cards(body)["index"] == "–"
    assert "Chưa có câu trả lời trong khoảng thời gian này." in body


def test_the_band_follows_the_rules_like_any_kpi_row(client, org, session):
    change_rules(session, {"min_n": 1}, "tinh@p.vn")
    sign_in(client, "a@p.vn")
    body = client.get(f"/manage/?{PERIOD}&channel=counter").get_data(as_text=True)
    assert cards(body)["band"] == "Hoàn thành nhiệm vụ"  # adjusted 70.6: at least 50, under 80


def test_counter_staff_and_service_take_precedence_over_the_channel_and_the_page_says_so(client, org):
    sign_in(client, "a@p.vn")
    for query in ("counter=QA1", "staff=SA1", "service=S1"):
        body = client.get(f"/manage/?{PERIOD}&{query}&channel=kiosk").get_data(as_text=True)
        assert valid_count(body) == 3, query  # every channel: 2 at the counter's QR, 1 at the kiosk
        kind, code = query.split("=")
        named = {"counter": "quầy", "staff": "cán bộ", "service": "thủ tục"}[kind]
        assert (
            "Số liệu tổng hợp chỉ lọc được theo một trong bốn, theo thứ tự ưu tiên: quầy, cán bộ, thủ tục, kênh. "
            f"Đang lọc theo {named} {code}; đã bỏ qua: kênh Máy tính bảng tại quầy."
        ) in body
        assert drill_link(body) == {"from": ["2026-03-01"], "to": ["2026-03-31"], kind: [code]}
        assert '<option value="kiosk" selected>' not in body  # the form shows what applied


def test_an_unknown_channel_is_said_and_left_out(client, org):
    sign_in(client, "a@p.vn")
    body = client.get(f"/manage/?{PERIOD}&channel=fax").get_data(as_text=True)
    assert "Không có kênh “fax”; số liệu không lọc theo kênh." in body
    assert valid_count(body) == 3 and 'class="focus"' not in body
    assert "channel" not in drill_link(body)


def test_the_drill_down_lists_the_channel_s_responses(client, org):
    sign_in(client, "a@p.vn")
    for channel, n, label in (("counter", 2, "Mã QR tại quầy"), ("kiosk", 2, "Máy tính bảng tại quầy")):
        body = client.get(f"/manage/?{PERIOD}&channel={channel}").get_data(as_text=True)
        href = re.search(r'<a href="([^"]+)">Xem các phiếu đánh giá và góp ý', body).group(1).replace("&amp;", "&")
        listed = client.get(href).get_data(as_text=True)
        # The kiosk's excluded response is listed (marked as excluded), as it is counted beside the figures.
        assert listed.count('<li class="response') == n, channel
        assert f"Đang lọc theo Kênh: {label} ·" in listed
        assert listed.count(f" · {label}</p>") == n
        assert '<input type="hidden" name="channel" value="' + channel + '">' in listed
    kiosk = client.get(f"/manage/responses?{PERIOD}&channel=kiosk").get_data(as_text=True)
    assert org["excluded"][:4] in kiosk and kiosk.count('<li class="response excluded">') == 1


@pytest.mark.parametrize("value", ["fax", "KIOSK", "", "kiosks", "counter\u200b", "x" * 500])
def test_the_responses_list_ignores_a_channel_it_does_not_know(client, org, value):
    sign_in(client, "a@p.vn")
    response = client.get(
        "/manage/responses", query_string={"from": "2026-03-01", "to": "2026-03-31", "channel": value}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count('<li class="response') == 4 and "Kênh:" not in body  # ward A's four, unfiltered
