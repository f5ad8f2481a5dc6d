"""Administration pages: admins only, scoped to their unit subtree, every change audited, no 500 for bad input."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from feedback.models import ApiKey, AuditEvent, Counter, KpiRuleSet, Staff, TemplateAssignment, Unit, User
from feedback.services.apikeys import authenticate, create_api_key
from feedback.services.kpi_rules import current_rules
from feedback.services.users import create_user
from tests.html import page

PASSWORD = "Mat-khau-du-dai-2026"
NEW_PASSWORD = "Mot-mat-khau-moi-2026"
KEY_RE = re.compile(r"fbk_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


@pytest.fixture()
def org(session, factories):
    province = factories.unit(code="P", name_vi="Tỉnh Khánh Hòa")
    ward_a = factories.unit(code="P-A", parent=province, name_vi="Phường Bình An")
    ward_b = factories.unit(code="P-B", parent=province, name_vi="Phường Cam Lâm")
    factories.counter(code="QA", unit=ward_a, label_vi="Quầy A1")
    factories.counter(code="QB", unit=ward_b, label_vi="Quầy B1")
    factories.staff(code="SA", unit=ward_a, full_name="Nguyễn An")
    factories.staff(code="SB", unit=ward_b, full_name="Trần Bình")
    for email, role, unit in (
        ("root@p.vn", "admin", "P"),
        ("wa@p.vn", "admin", "P-A"),
        ("wb@p.vn", "admin", "P-B"),
        ("m@p.vn", "manager", "P"),
        ("ma@p.vn", "manager", "P-A"),
        ("mb@p.vn", "manager", "P-B"),
    ):
        create_user(session, email, role, unit, PASSWORD)
    return province


def sign_in(client, email, password=PASSWORD):
    form = page(client.get("/login"))
    response = client.post(
        "/login", data={"csrf_token": form.value("csrf_token"), "email": email, "password": password}
    )
    assert response.status_code == 303, email
    return response


def csrf(client, url="/manage/admin/"):
    return page(client.get(url)).value("csrf_token")


def count(session, model, *where) -> int:
    session.rollback()  # see what the requests committed, not a stale snapshot
    return session.scalar(select(func.count()).select_from(model).where(*where))


def admin_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/manage/admin")]
    assert len(rules) >= 10, "the admin pages are registered"
    return rules


def concrete(rule) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "ABCD1234", re.sub(r"<int:\w+>", "1", rule.rule))


# --- who may come in ---------------------------------------------------------------------------------


def test_every_admin_route_is_for_admins_only(client, org, app):
    """Generated from the app's routes, so a new admin route cannot escape the check."""
    sign_in(client, "m@p.vn")
    token = page(client.get("/manage/")).value("csrf_token")
    for rule in admin_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(concrete(rule))
            else:
                response = client.post(concrete(rule), data={"csrf_token": token, "name": "x", "unit": "P"})
            assert response.status_code == 403, (rule.rule, method, response.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(client, org, app):
    token = page(client.get("/login")).value("csrf_token")
    for rule in admin_rules(app):
        if "GET" in rule.methods:
            response = client.get(concrete(rule))
        else:
            response = client.post(concrete(rule), data={"csrf_token": token})
        assert response.status_code == 302 and "/login" in response.headers["Location"], rule.rule


def test_index_links_every_section(client, org):
    sign_in(client, "wa@p.vn")
    response = client.get("/manage/admin/")
    assert response.status_code == 200
    links = page(response).links
    for section in ("directory", "users", "keys", "templates", "rules", "audit"):
        assert f"/manage/admin/{section}" in links


# --- audit log ---------------------------------------------------------------------------------------


def test_audit_log_lists_events_and_filters_by_action(client, org, session):
    sign_in(client, "root@p.vn")
    body = client.get("/manage/admin/audit").get_data(as_text=True)
    assert "user.create" in body and "wb@p.vn" in body and "login" in body
    filtered = client.get("/manage/admin/audit?action=login").get_data(as_text=True)
    assert "<code>login</code>" in filtered and "<code>user.create</code>" not in filtered
    # A prefix with SQL wildcards is text, not a pattern; a huge one is cut, never a 500.
    assert "<code>login</code>" not in client.get("/manage/admin/audit?action=%25").get_data(as_text=True)
    assert client.get("/manage/admin/audit?action=" + "x" * 5000).status_code == 200


def test_ward_admin_reads_only_the_audit_of_their_subtree(client, org, session):
    sign_in(client, "wb@p.vn")  # an event by a ward B user
    client.get("/manage/admin/")
    client.post("/logout", data={"csrf_token": csrf(client)})
    sign_in(client, "wa@p.vn")
    body = client.get("/manage/admin/audit").get_data(as_text=True)
    assert "wa@p.vn" in body and "ma@p.vn" in body  # their subtree's users, as targets of user.create
    assert "wb@p.vn" not in body and "mb@p.vn" not in body and "root@p.vn" not in body


# --- users -------------------------------------------------------------------------------------------


def user_form(client, **fields):
    data = {
        "csrf_token": csrf(client, "/manage/admin/users"),
        "email": "new@p.vn",
        "role": "manager",
        "unit": "P-A",
        "staff": "",
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(fields)
    return client.post("/manage/admin/users", data=data)


def test_create_a_user_in_the_subtree(client, org, session):
    sign_in(client, "wa@p.vn")
    response = user_form(client, email="New@P.vn")
    assert response.status_code == 303
    body = client.get("/manage/admin/users").get_data(as_text=True)
    assert "new@p.vn" in body and 'role="status"' in body
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.create", AuditEvent.target == "new@p.vn")
    )
    assert event.actor == "wa@p.vn"
    staff = user_form(client, email="sa@p.vn", role="staff", staff="SA")
    assert staff.status_code == 303
    assert session.scalar(select(User).where(User.email == "sa@p.vn")).staff_id is not None


@pytest.mark.parametrize(
    "fields",
    [
        {"unit": "P-B"},  # a sibling ward
        {"unit": "P"},  # the parent
        {"unit": "NOPE"},
        {"unit": ""},
        {"email": ""},
        {"email": "not-an-email"},
        {"email": "=1+1@p.vn", "unit": "P-B"},
        {"email": "x" * 5000 + "@p.vn"},
        {"password2": "Something-else-2026"},
        {"password": "short", "password2": "short"},
        {"role": "superuser"},
        {"role": "staff", "staff": ""},
        {"role": "staff", "staff": "SB"},  # staff of another ward
        {"role": "manager", "staff": "SA"},
        {"email": "ma@p.vn"},  # exists already
    ],
)
def test_user_creation_refusals_are_clear(client, org, session, fields):
    sign_in(client, "wa@p.vn")
    before = count(session, User)
    response = user_form(client, **fields)
    assert response.status_code == 422, response.status_code
    assert page(response).has_error_summary
    assert count(session, User) == before


def test_disable_and_enable_a_user_of_the_subtree_only(client, org, session):
    sign_in(client, "wa@p.vn")
    ma = session.scalar(select(User).where(User.email == "ma@p.vn"))
    mb = session.scalar(select(User).where(User.email == "mb@p.vn"))
    wa = session.scalar(select(User).where(User.email == "wa@p.vn"))
    body = client.get("/manage/admin/users").get_data(as_text=True)
    assert "ma@p.vn" in body and "mb@p.vn" not in body and "root@p.vn" not in body
    token = csrf(client, "/manage/admin/users")
    assert (
        client.post(f"/manage/admin/users/{ma.id}/active", data={"csrf_token": token, "active": "0"}).status_code == 303
    )
    session.rollback()
    assert session.get(User, ma.id).active is False
    assert count(session, AuditEvent, AuditEvent.action == "user.disable", AuditEvent.target == "ma@p.vn") == 1
    client.post(f"/manage/admin/users/{ma.id}/active", data={"csrf_token": token, "active": "1"})
    session.rollback()
    assert session.get(User, ma.id).active is True
    # Another ward's user: not found; one's own account: refused.
    assert (
        client.post(f"/manage/admin/users/{mb.id}/active", data={"csrf_token": token, "active": "0"}).status_code == 404
    )
    client.post(f"/manage/admin/users/{wa.id}/active", data={"csrf_token": token, "active": "0"})
    session.rollback()
    assert session.get(User, mb.id).active is True and session.get(User, wa.id).active is True
    # Without the CSRF token nothing changes.
    client.post(f"/manage/admin/users/{ma.id}/active", data={"active": "0"})
    session.rollback()
    assert session.get(User, ma.id).active is True


# --- API keys ----------------------------------------------------------------------------------------


def key_form(client, **fields):
    data = {
        "csrf_token": csrf(client, "/manage/admin/keys"),
        "name": "Kho dữ liệu",
        "unit": "P-A",
        "scopes": ["kpi:read"],
    }
    data.update(fields)
    return client.post("/manage/admin/keys", data=data)


def test_an_api_key_is_shown_once_and_works(client, org, session):
    sign_in(client, "wa@p.vn")
    response = key_form(client, scopes=["kpi:read", "responses:read"])
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    full = KEY_RE.search(body).group(0)
    assert "sao chép" in body
    caller = authenticate(session, f"Bearer {full}")
    assert caller.scopes == {"kpi:read", "responses:read"}
    assert session.get(Unit, caller.unit_id).code == "P-A"
    listing = client.get("/manage/admin/keys").get_data(as_text=True)
    assert caller.prefix in listing and full not in listing and KEY_RE.search(listing) is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "apikey.create"))
    assert event.actor == "wa@p.vn" and event.target == caller.prefix and full not in str(event.detail)


@pytest.mark.parametrize(
    "fields",
    [
        {"unit": "P-B"},
        {"unit": "P"},
        {"unit": "=1+1"},
        {"scopes": []},
        {"scopes": ["admin:all"]},
        {"name": ""},
        {"name": "x" * 101},
    ],
)
def test_api_key_refusals(client, org, session, fields):
    sign_in(client, "wa@p.vn")
    response = key_form(client, **fields)
    assert response.status_code == 422 and page(response).has_error_summary
    assert count(session, ApiKey) == 0


def test_keys_are_scoped_and_revocable(client, org, session):
    _key_b, _full_b = create_api_key(session, "Ward B", "P-B", "kpi:read")
    _key_a, full_a = create_api_key(session, "Ward A", "P-A", "kpi:read")
    prefix_a, prefix_b = _key_a.prefix, _key_b.prefix
    sign_in(client, "wa@p.vn")
    body = client.get("/manage/admin/keys").get_data(as_text=True)
    assert f"<code>{prefix_a}</code>" in body and f"<code>{prefix_b}</code>" not in body
    token = csrf(client, "/manage/admin/keys")
    assert client.post(f"/manage/admin/keys/{prefix_b}/revoke", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/manage/admin/keys/{prefix_a}/revoke", data={"csrf_token": token}).status_code == 303
    session.rollback()
    assert session.scalar(select(ApiKey).where(ApiKey.prefix == prefix_a)).revoked_at is not None
    assert session.scalar(select(ApiKey).where(ApiKey.prefix == prefix_b)).revoked_at is None
    assert count(session, AuditEvent, AuditEvent.action == "apikey.revoke", AuditEvent.target == prefix_a) == 1
    assert "Đã thu hồi" in client.get("/manage/admin/keys").get_data(as_text=True)


# --- a change and its audit event: both or neither ----------------------------------------------------


def refuse_audit_events(monkeypatch) -> None:  # noqa: ANN001
    """From now on every audit event fails to be written, as if the audit table refused the row."""
    import feedback.services.audit

    def refuse(**_fields):  # noqa: ANN003, ANN202
        raise RuntimeError("the audit log refused the event")

    monkeypatch.setattr(feedback.services.audit, "AuditEvent", refuse)


def test_no_api_key_is_created_without_its_audit_event(client, org, session, monkeypatch):
    sign_in(client, "wa@p.vn")
    data = {"csrf_token": csrf(client, "/manage/admin/keys"), "name": "Kho", "unit": "P-A", "scopes": ["kpi:read"]}
    refuse_audit_events(monkeypatch)
    assert client.post("/manage/admin/keys", data=data).status_code == 500
    assert count(session, ApiKey) == 0


def test_no_api_key_is_revoked_without_its_audit_event(client, org, session, monkeypatch):
    key, _full = create_api_key(session, "Ward A", "P-A", "kpi:read")
    sign_in(client, "wa@p.vn")
    token = csrf(client, "/manage/admin/keys")
    refuse_audit_events(monkeypatch)
    assert client.post(f"/manage/admin/keys/{key.prefix}/revoke", data={"csrf_token": token}).status_code == 500
    assert count(session, ApiKey, ApiKey.prefix == key.prefix, ApiKey.revoked_at.is_(None)) == 1


def test_no_template_is_assigned_without_its_audit_event(client, org, session, monkeypatch):
    sign_in(client, "wa@p.vn")
    data = {"csrf_token": csrf(client, "/manage/admin/templates"), "template": "vn-official-3", "unit": "P-A"}
    refuse_audit_events(monkeypatch)
    assert client.post("/manage/admin/templates", data=data).status_code == 500
    assert count(session, TemplateAssignment) == 0


def test_the_command_line_audits_key_and_template_changes(cli, org, session):
    created = cli("apikeys", "create", "Kho", "--unit", "P-A", "--scopes", "kpi:read")
    prefix = created.output.strip().splitlines()[-1].split("_")[1]
    cli("apikeys", "revoke", prefix)
    cli("surveys", "assign", "vn-official-3", "--unit", "P-A")
    events = session.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.target).order_by(AuditEvent.id))
    assert [e for e in events if e.action != "user.create"] == [
        ("cli", "apikey.create", prefix),
        ("cli", "apikey.revoke", prefix),
        ("cli", "template.assign", "P-A"),
    ]


# --- KPI rules ---------------------------------------------------------------------------------------


def rules_form(client) -> dict:
    p = page(client.get("/manage/admin/rules"))
    data = {name: p.value(name) or "" for name in p._parser.inputs if name != "count_flagged"}  # noqa: SLF001
    if p.checked("count_flagged"):
        data["count_flagged"] = "y"
    return data


def test_a_root_admin_changes_the_rules_as_a_new_version(client, org, session):
    sign_in(client, "root@p.vn")
    versions = count(session, KpiRuleSet)
    data = rules_form(client)
    data.update({"weight_overall": "2", "min_n": "25", "band_label_0": "Xuất sắc", "note": "Thí điểm quý 3"})
    response = client.post("/manage/admin/rules", data=data)
    assert response.status_code == 303, page(response).html[:3000]
    assert count(session, KpiRuleSet) == versions + 1
    rules = current_rules(session)
    assert rules.weight_for("overall") == 2 and rules.min_n == 25 and rules.bands[0][1] == "Xuất sắc"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "kpi.rules"))
    assert event.actor == "root@p.vn" and set(event.detail["changes"]) == {"weights", "min_n", "bands"}
    body = client.get("/manage/admin/rules").get_data(as_text=True)
    assert "Thí điểm quý 3" in body


@pytest.mark.parametrize(
    "fields",
    [
        {"weight_overall": "nan"},
        {"weight_overall": "-1"},
        {"weight_overall": "abc"},
        {"prior_weight": "1e999"},
        {"min_n": "0"},
        {"min_n": "2.5"},
        {"band_min_1": "95"},  # not decreasing
        {"band_label_1": ""},
        {"below_band": ""},
        {"note": ""},
        {"note": "x" * 600},
        {},  # no change at all
    ],
)
def test_bad_rules_are_refused_and_nothing_changes(client, org, session, fields):
    sign_in(client, "root@p.vn")
    versions = count(session, KpiRuleSet)
    data = rules_form(client)
    data["note"] = "Thử"
    data.update(fields)
    response = client.post("/manage/admin/rules", data=data)
    assert response.status_code == 422 and page(response).has_error_summary
    assert count(session, KpiRuleSet) == versions


def test_a_ward_admin_reads_the_rules_but_cannot_change_them(client, org, session):
    sign_in(client, "wa@p.vn")
    body = client.get("/manage/admin/rules").get_data(as_text=True)
    assert "disabled" in body and "Hoàn thành tốt nhiệm vụ" in body
    versions = count(session, KpiRuleSet)
    token = csrf(client)
    response = client.post("/manage/admin/rules", data={"csrf_token": token, "weight_overall": "3", "note": "x"})
    assert response.status_code == 403
    assert count(session, KpiRuleSet) == versions


# --- directory import --------------------------------------------------------------------------------


def upload(client, step="preview", **files):
    data = {"csrf_token": csrf(client, "/manage/admin/directory/import"), "step": step}
    for kind, (name, text) in files.items():
        data[kind] = (io.BytesIO(text if isinstance(text, bytes) else text.encode("utf-8")), name)
    return client.post("/manage/admin/directory/import", data=data, content_type="multipart/form-data")


UNITS = "code,name_vi,name_en,parent_code,kind\nP-A-1,Tổ một cửa A1,,P-A,desk\nP-A,Phường Bình An mới,,P,ward\n"
COUNTERS = "code,unit_code,label_vi,label_en\nQA2,P-A-1,Quầy A2,\nQA,P-A,Quầy A1,\n"


def test_preview_writes_nothing_then_import_writes_and_audits(client, org, session):
    sign_in(client, "wa@p.vn")
    before = (count(session, Unit), count(session, Counter))
    response = upload(client, units=("units.csv", UNITS), counters=("counters.csv", COUNTERS))
    assert response.status_code == 200
    p = page(response)
    assert (count(session, Unit), count(session, Counter)) == before
    assert session.scalar(select(Unit.name_vi).where(Unit.code == "P-A")) == "Phường Bình An"
    assert "Kết quả xem trước" in p.html
    assert p.value("content_units") and p.value("step") == "import"
    # The confirming form carries the same contents; submitting it writes them.
    data = {
        name: p.value(name)
        for name in ("csrf_token", "step", "name_units", "content_units", "name_counters", "content_counters")
    }
    done = client.post("/manage/admin/directory/import", data=data, content_type="multipart/form-data")
    assert done.status_code == 303
    assert (count(session, Unit), count(session, Counter)) == (before[0] + 1, before[1] + 1)
    assert session.scalar(select(Unit.name_vi).where(Unit.code == "P-A")) == "Phường Bình An mới"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "directory.import"))
    assert event.actor == "wa@p.vn"
    assert event.detail["counts"]["units"] == {"created": 1, "updated": 1, "unchanged": 0}
    assert event.detail["counts"]["counters"] == {"created": 1, "updated": 1, "unchanged": 0}  # label_en emptied


def test_a_bad_file_shows_line_level_errors_and_writes_nothing(client, org, session):
    sign_in(client, "wa@p.vn")
    before = count(session, Staff)
    bad = "code,full_name,unit_code,position,email\nS1,Lê Văn C,P-A,,not-an-email\nS 2,=1+1,P-A,,\n"
    response = upload(client, staff=("staff.csv", bad))
    assert response.status_code == 422 and page(response).has_error_summary
    body = response.get_data(as_text=True)
    assert "<td>2</td>" in body and "email" in body and "<td>3</td>" in body
    assert count(session, Staff) == before


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"counters": ("c.csv", "code,unit_code,label_vi\nQX,P-B,Quầy X\n")}, "nằm ngoài phạm vi"),
        ({"counters": ("c.csv", "code,unit_code,label_vi\nQB,P-A,Cướp quầy\n")}, "nằm ngoài phạm vi"),
        ({"staff": ("s.csv", "code,full_name,unit_code\nSX,Ai đó,P-B\n")}, "nằm ngoài phạm vi"),
        ({"units": ("u.csv", "code,name_vi,parent_code\nP-B,Đổi tên,P\n")}, "nằm ngoài phạm vi"),
        ({"units": ("u.csv", "code,name_vi,parent_code\nP-A-9,Mới,P-B\n")}, "nằm ngoài phạm vi"),
        ({"units": ("u.csv", "code,name_vi,parent_code\nP-A-9,Mới,\n")}, "Cần parent_code"),
        ({"units": ("u.csv", "code,name_vi,parent_code\nP-A,Phường A,P-B\n")}, "không thể chuyển"),
        ({"services": ("sv.csv", "code,name_vi\n1.0001,Thủ tục\n")}, "đơn vị cao nhất"),
    ],
)
def test_a_ward_admin_cannot_import_outside_their_subtree(client, org, session, files, message):
    sign_in(client, "wa@p.vn")
    before = (count(session, Unit), count(session, Counter), count(session, Staff))
    response = upload(client, step="import", **files)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert (count(session, Unit), count(session, Counter), count(session, Staff)) == before
    assert session.scalar(select(Counter.unit_id).where(Counter.code == "QB")) == session.scalar(
        select(Unit.id).where(Unit.code == "P-B")
    )


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"units": ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00")},
        {"units": ("u.csv", b"\xff\xfe bad")},
        {"units": ("u.csv", "")},
        {"units": ("u.csv", 'code,name_vi\n"unterminated\n')},
    ],
)
def test_import_never_fails_with_a_500(client, org, files):
    sign_in(client, "root@p.vn")
    response = upload(client, **files)
    assert response.status_code == 422 and page(response).has_error_summary


def test_an_upload_over_the_limit_is_refused_clearly(client, org, app):
    sign_in(client, "root@p.vn")
    huge = "code,name_vi\n" + "X,y\n" * (app.config["MAX_CONTENT_LENGTH"] // 4)
    response = upload(client, units=("u.csv", huge))
    assert response.status_code == 413 and page(response).has_error_summary


def test_forms_without_the_csrf_token_change_nothing(client, org, session):
    sign_in(client, "root@p.vn")
    versions, users, keys = count(session, KpiRuleSet), count(session, User), count(session, ApiKey)
    for url, data in (
        ("/manage/admin/users", {"email": "z@p.vn", "role": "viewer", "unit": "P", "password": NEW_PASSWORD}),
        ("/manage/admin/keys", {"name": "k", "unit": "P", "scopes": "kpi:read"}),
        ("/manage/admin/rules", {"weight_overall": "3", "note": "x"}),
        ("/manage/admin/templates", {"template": "default", "unit": "P"}),
    ):
        assert client.post(url, data=data).status_code == 400, url
    assert (count(session, KpiRuleSet), count(session, User), count(session, ApiKey)) == (versions, users, keys)
    assert count(session, TemplateAssignment) == 0


def test_directory_lists_are_scoped(client, org):
    sign_in(client, "wa@p.vn")
    counters = client.get("/manage/admin/directory?kind=counters").get_data(as_text=True)
    # Exact markup: a short code could appear by chance inside the page's random CSRF token.
    assert "<code>QA</code>" in counters and "<code>QB</code>" not in counters
    staff = client.get("/manage/admin/directory?kind=staff").get_data(as_text=True)
    assert "<code>SA</code>" in staff and "<code>SB</code>" not in staff
    units = client.get("/manage/admin/directory").get_data(as_text=True)
    assert "<code>P-A</code>" in units and "<code>P-B</code>" not in units
    assert client.get("/manage/admin/directory?kind=<script>").status_code == 200


# --- survey templates --------------------------------------------------------------------------------


def test_assign_a_template_within_the_subtree(client, org, session):
    sign_in(client, "wa@p.vn")
    body = client.get("/manage/admin/templates").get_data(as_text=True)
    assert "vn-official-3" in body and 'value="P-A"' in body and 'value="P-B"' not in body
    token = csrf(client, "/manage/admin/templates")
    response = client.post(
        "/manage/admin/templates", data={"csrf_token": token, "template": "vn-official-3", "unit": "P-A"}
    )
    assert response.status_code == 303
    unit_a = session.scalar(select(Unit.id).where(Unit.code == "P-A"))
    assert count(session, TemplateAssignment, TemplateAssignment.unit_id == unit_a) == 1
    assert count(session, AuditEvent, AuditEvent.action == "template.assign", AuditEvent.target == "P-A") == 1
    for fields in ({"unit": "P-B"}, {"unit": "P"}, {"template": "nope"}, {"template": ""}, {"unit": "=1+1"}):
        data = {"csrf_token": token, "template": "default", "unit": "P-A", **fields}
        refused = client.post("/manage/admin/templates", data=data)
        assert refused.status_code == 422 and page(refused).has_error_summary
    assert count(session, TemplateAssignment) == 1
