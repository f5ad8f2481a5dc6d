"""The manager workspace in Chromium: sign in, dashboard, responses, staff's own page; axe-core on each."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

PASSWORD = "Mat-khau-quan-ly-2026"
USERS = (
    ("quantri@e2e.vn", "admin", "KH", None),
    ("tinh@e2e.vn", "manager", "KH", None),
    ("xem@e2e.vn", "viewer", "KH-P-NHATRANG", None),
    ("canbo@e2e.vn", "staff", "KH-SXD", "CB0001"),
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def accounts(live_server):  # noqa: ANN001, ANN201
    listed = live_server.flask("users", "list")
    for email, role, unit, staff in USERS:
        if email not in listed:
            args = ["users", "create", email, "--role", role, "--unit", unit]
            if staff:
                args += ["--staff", staff]
            live_server.flask(*args, stdin=PASSWORD + "\n")
    return {email: role for email, role, _unit, _staff in USERS}


def sign_in(visit, live_server, email: str) -> None:  # noqa: ANN001
    page = visit.page
    page.goto(live_server("/login"))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [1280, 360])
def test_manager_dashboard_and_responses(open_page, live_server, accounts, screenshot, check_axe, width):  # noqa: ANN001
    visit = open_page(viewport={"width": width, "height": 900})
    page = visit.page
    page.goto(live_server("/manage/"))
    expect(page).to_have_url(live_server("/login?next=/manage/"))
    check_axe(page, "the sign-in page")
    sign_in(visit, live_server, "tinh@e2e.vn")
    expect(page.get_by_role("heading", level=1)).to_have_text("UBND tỉnh Khánh Hòa")
    started = time.monotonic()
    page.goto(live_server("/manage/?group_by=counter"))
    elapsed = time.monotonic() - started
    print(f"dashboard loaded in {elapsed * 1000:.0f} ms at {width} px")
    expect(page.locator("table.kpi")).to_be_visible()
    expect(page.get_by_role("img", name="Chỉ số hài lòng theo tuần")).to_be_visible()
    expect(page.get_by_role("img", name="Chỉ số hài lòng theo tháng")).to_be_visible()
    screenshot(page, f"manage-dashboard-{width}")
    check_axe(page, f"the dashboard at {width} px")
    # Narrow to one counter of the provincial centre, leaving flagged responses out, with the filter form.
    page.get_by_label("Quầy", exact=True).select_option(live_server.active_counter)
    page.get_by_label("Phiếu nghi vấn").select_option("exclude")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("p.focus")).to_contain_text(live_server.active_counter)
    assert f"counter={live_server.active_counter}" in page.url and "flags=exclude" in page.url
    expect(page.get_by_label("Quầy", exact=True)).to_have_value(live_server.active_counter)
    screenshot(page, f"manage-dashboard-counter-{width}")
    check_axe(page, f"the dashboard narrowed to a counter at {width} px")
    page.get_by_role("link", name="Xem các phiếu đánh giá và góp ý").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phiếu đánh giá")
    assert f"counter={live_server.active_counter}" in page.url and "flags=exclude" in page.url
    expect(page.locator("p.note")).to_contain_text(live_server.active_counter)
    expect(page.get_by_label("Phiếu nghi vấn")).to_have_value("exclude")
    screenshot(page, f"manage-responses-{width}")
    check_axe(page, f"the responses page at {width} px")
    # A citizen answers through the counter's QR; the dashboard narrowed to that channel counts it, and its
    # drill-down lists only responses given through that channel.
    citizen = open_page(viewport={"width": 360, "height": 740})
    citizen.page.goto(live_server(f"/q/{live_server.active_counter}"))
    citizen.page.locator("fieldset#overall label.opt").filter(has=citizen.page.locator("input[value='4']")).click()
    citizen.page.locator("form#survey button[type=submit]").click()
    citizen.page.wait_for_url(re.compile(r"/thanks/[0-9A-Z]{8}$"))
    page.goto(live_server("/manage/"))
    page.get_by_label("Kênh", exact=True).select_option(label="Mã QR tại quầy")
    page.get_by_role("button", name="Xem").click()
    asked = parse_qs(urlsplit(page.url).query)  # empty selects are left out
    assert asked["channel"] == ["counter"] and not {"counter", "staff", "service"} & set(asked)
    expect(page.locator("p.focus")).to_have_text("Kênh: Mã QR tại quầy")
    expect(page.get_by_label("Kênh", exact=True)).to_have_value("counter")
    valid = page.locator("section.cards .card").nth(2).locator("p.big")
    assert int(valid.inner_text()) >= 1
    expect(page.get_by_text("Theo kênh: chỉ số điều chỉnh")).to_be_visible()
    screenshot(page, f"manage-dashboard-channel-{width}")
    check_axe(page, f"the dashboard narrowed to a channel at {width} px")
    page.get_by_role("link", name="Xem các phiếu đánh giá và góp ý").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phiếu đánh giá")
    assert "channel=counter" in page.url
    expect(page.locator("p.note")).to_contain_text("Kênh: Mã QR tại quầy")
    expect(page.locator("li.response").first).to_contain_text("Mã QR tại quầy")
    check_axe(page, f"the responses of one channel at {width} px")
    page.goto(live_server("/manage/cases"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Phản ánh cần xử lý")
    check_axe(page, f"the cases page at {width} px")
    page.goto(live_server("/manage/actions"))
    page.fill("#title", f"Niêm yết lại phí, lệ phí ({width})")
    page.get_by_role("button", name="Ghi hành động").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Niêm yết lại phí, lệ phí ({width})")
    screenshot(page, f"manage-action-{width}")
    check_axe(page, f"an improvement action at {width} px")
    assert not visit.blocked and not visit.errors, (visit.blocked, visit.errors)


def test_viewer_and_staff_see_their_share(open_page, live_server, accounts, screenshot, check_axe):  # noqa: ANN001
    viewer = open_page(viewport={"width": 1280, "height": 900})
    sign_in(viewer, live_server, "xem@e2e.vn")
    expect(viewer.page.get_by_role("heading", level=1)).to_have_text("UBND phường Nha Trang")
    assert "Trung tâm" not in viewer.page.content()
    staff = open_page(viewport={"width": 360, "height": 740})
    sign_in(staff, live_server, "canbo@e2e.vn")
    expect(staff.page).to_have_url(live_server("/manage/me"))
    expect(staff.page.get_by_role("heading", level=1)).to_have_text("Kết quả của tôi")
    screenshot(staff.page, "manage-my-scores")
    check_axe(staff.page, "the staff member's own page")
    staff.page.goto(live_server("/manage/responses"))
    assert "Phiếu đánh giá" not in staff.page.title()


@pytest.mark.parametrize("width", [1280, 390])
def test_administration_pages(open_page, live_server, accounts, screenshot, check_axe, width):  # noqa: ANN001
    visit = open_page(viewport={"width": width, "height": 900})
    sign_in(visit, live_server, "quantri@e2e.vn")
    page = visit.page
    for path in (
        "/manage/admin/",
        "/manage/admin/audit",
        "/manage/admin/users",
        "/manage/admin/keys",
        "/manage/admin/templates",
        "/manage/admin/rules",
        "/manage/admin/directory?kind=counters",
        "/manage/admin/directory/import",
    ):
        response = page.goto(live_server(path))
        assert response.status == 200, path
        name = path.strip("/").replace("/", "-").split("?")[0] or "admin"
        screenshot(page, f"{name}-{width}")
        check_axe(page, f"{path} at {width} px")
    assert not visit.blocked and not visit.errors, (visit.blocked, visit.errors)
