"""The KPI system's view: one request, three formats with the same numbers, scoped, fingerprinted, safe."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from feedback.services.apikeys import create_api_key
from feedback.services.integrity import IntegrityRules
from feedback.services.moderation import exclude_response
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey
from feedback.web.kiosk import KIOSK_COOKIE  # noqa: F401  (the app's blueprints are loaded)

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PERIOD = "from=2026-03-01&to=2026-03-31"


@pytest.fixture()
def world(session, factories):
    province = factories.unit(code="P", name_vi="Tỉnh")
    ward_a = factories.unit(code="P-A", parent=province, name_vi="Phường A")
    ward_b = factories.unit(code="P-B", parent=province, name_vi="Phường B")
    factories.counter(code="QA", unit=ward_a)
    factories.counter(code="QB", unit=ward_b)
    factories.staff(code="S1", unit=ward_a, full_name='=HYPERLINK("http://evil")')
    factories.staff(code="S2", unit=ward_b, full_name="Đỗ Văn Bình")
    survey = load_survey(session, factories.latest_version().id)
    from feedback.services.kiosk import put_on_duty

    receipts = []
    for counter, staff, levels in (("QA", "S1", (5, 4, 4, 2)), ("QB", "S2", (3, 5, 1))):
        put_on_duty(session, counter, staff)
        for i, level in enumerate(levels):
            stored = submit_response(
                session,
                counter,
                survey,
                Submission(
                    str(uuid.uuid4()), {"overall": level, "attitude": 6 - level, "comment": "+cmd|' /C calc'!A0"}
                ),
                IntegrityRules(),
                now=AT + timedelta(minutes=i),
            )
            receipts.append(stored.receipt)
    exclude_response(session, receipts[-1], "Đánh giá nhầm quầy", "m")
    keys = {}
    for name, unit, scopes in (
        ("all", "P", "kpi:read,responses:read,volumes:write"),
        ("ward", "P-A", "kpi:read"),
        ("tickets", "P", "tickets:write"),
    ):
        keys[name] = {"Authorization": f"Bearer {create_api_key(session, name, unit, scopes)[1]}"}
    return keys


def get(client, url, key):
    return client.get(url, headers=key)


def test_json_csv_and_xlsx_give_the_same_numbers(client, world):
    base = f"/api/v1/kpi?{PERIOD}&group_by=staff"
    document = get(client, base, world["all"]).json
    rows = {r["key"]: r for r in document["rows"]}
    assert rows["S1"]["n"] == 4 and rows["S2"]["n"] == 2 and rows["S2"]["excluded"] == 1
    csv_response = get(client, base + "&format=csv", world["all"])
    text = csv_response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text[1:])))
    xlsx_response = get(client, base + "&format=xlsx", world["all"])
    book = openpyxl.load_workbook(io.BytesIO(xlsx_response.data))
    sheet = book["data"]
    header = [c.value for c in sheet[1]]
    xrows = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert header == list(table[0].keys())
    for csv_row, x_row in zip(table, xrows, strict=True):
        record = rows[csv_row["key"]]
        for column in ("n", "index", "adjusted", "excluded", "suspect"):
            expected = record[column]
            assert (csv_row[column] or None) == (None if expected is None else str(expected))
            assert x_row[column] == expected
        for dimension, figures in record["dimensions"].items():
            for name, value in figures.items():
                assert float(csv_row[f"{dimension}_{name}"]) == value
                assert x_row[f"{dimension}_{name}"] == value
    definitions = {r[0].value: r[1].value for r in book["definitions"].iter_rows()}
    assert definitions["rules_version"] == "1"
    assert definitions["data_sha256"].startswith(hashlib.sha256(csv_response.data).hexdigest())


def test_exports_carry_their_digest_and_rules_version(client, world):
    for fmt in ("json", "csv", "xlsx"):
        response = get(client, f"/api/v1/kpi?{PERIOD}&group_by=unit&format={fmt}", world["all"])
        assert response.status_code == 200
        assert response.headers["X-Content-SHA256"] == hashlib.sha256(response.data).hexdigest()
        assert response.headers["X-KPI-Rules-Version"] == "1"


def test_no_cell_becomes_a_formula(client, world):
    text = get(client, f"/api/v1/kpi?{PERIOD}&group_by=staff&format=csv", world["all"]).data.decode("utf-8")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    book = openpyxl.load_workbook(
        io.BytesIO(get(client, f"/api/v1/kpi?{PERIOD}&group_by=staff&format=xlsx", world["all"]).data)
    )
    names = [row[1] for row in book["data"].iter_rows(min_row=2)]
    assert any(c.value == '=HYPERLINK("http://evil")' and c.data_type == "s" for c in names)


def test_a_ward_key_never_sees_another_ward(client, world):
    rows = get(client, f"/api/v1/kpi?{PERIOD}&group_by=unit", world["ward"]).json["rows"]
    assert [r["key"] for r in rows] == ["P-A"]
    counters = get(client, f"/api/v1/kpi?{PERIOD}&group_by=counter", world["ward"]).json["rows"]
    assert [r["key"] for r in counters] == ["QA"]
    staff = get(client, f"/api/v1/kpi?{PERIOD}&group_by=staff", world["ward"]).json["rows"]
    assert [r["key"] for r in staff] == ["S1"]
    forbidden = get(client, f"/api/v1/kpi?{PERIOD}&group_by=unit&unit=P-B", world["ward"])
    assert forbidden.status_code == 403 and forbidden.json["error"]["code"] == "forbidden"
    assert get(client, "/api/v1/responses", world["ward"]).status_code == 403  # no responses:read scope


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("from=2026-03-31&to=2026-03-01&group_by=unit", 400),
        ("from=2026-02-30&to=2026-03-01&group_by=unit", 400),
        ("from=03/01/2026&to=2026-03-31&group_by=unit", 400),
        (f"{PERIOD}&group_by=planet", 400),
        (f"{PERIOD}", 400),
        (f"{PERIOD}&group_by=unit&format=pdf", 400),
        (f"{PERIOD}&group_by=unit&unit=NOPE", 404),
        (f"{PERIOD}&group_by=unit&color=red", 400),
        ("from=2000-01-01&to=2026-03-31&group_by=unit", 400),
    ],
)
def test_bad_kpi_parameters_are_json_4xx(client, world, query, status):
    response = get(client, f"/api/v1/kpi?{query}", world["all"])
    assert response.status_code == status and set(response.json["error"]) == {"code", "message"}


def test_scope_is_checked_per_key(client, world):
    assert get(client, f"/api/v1/kpi?{PERIOD}&group_by=unit", world["tickets"]).status_code == 403
    assert client.get(f"/api/v1/kpi?{PERIOD}&group_by=unit").status_code == 401


def test_feed_pages_through_every_response_once_and_again_when_changed(client, world, session):
    seen, cursor = [], None
    later = datetime.now(UTC) + timedelta(seconds=10)
    from unittest import mock

    with mock.patch("feedback.services.feed.datetime") as clock:
        clock.now.return_value = later
        clock.fromisoformat = datetime.fromisoformat
        while True:
            url = "/api/v1/responses?limit=2" + (f"&after={cursor}" if cursor else "")
            page = get(client, url, world["all"]).json
            if not page["items"]:
                break
            seen += [item["receipt"] for item in page["items"]]
            cursor = page["next"]
        assert len(seen) == len(set(seen)) == 7
        item = get(client, "/api/v1/responses?limit=1", world["all"]).json["items"][0]
        assert "contact" not in item and item["answers"]["overall"] in range(1, 6)
        exclude_response(session, seen[0], "Sai quầy", "m")
        clock.now.return_value = datetime.now(UTC) + timedelta(seconds=10)
        again = get(client, f"/api/v1/responses?after={cursor}", world["all"]).json["items"]
        assert [i["receipt"] for i in again] == [seen[0]] and again[0]["status"] == "excluded"
    assert get(client, "/api/v1/responses?after=abc", world["all"]).status_code == 400
    assert get(client, "/api/v1/responses?limit=0", world["all"]).status_code == 400


def test_volumes_give_the_response_rate(client, world):
    body = [
        {"unit": "P-A", "day": "2026-03-02", "transactions": 8},
        {"unit": "P-B", "day": "2026-03-02", "transactions": 40},
    ]
    stored = client.put("/api/v1/volumes", json=body, headers=world["all"])
    assert stored.status_code == 200 and stored.json == {"created": 2, "updated": 0}
    body[0]["transactions"] = 10
    assert client.put("/api/v1/volumes", json=body, headers=world["all"]).json == {"created": 0, "updated": 1}
    rows = {r["key"]: r for r in get(client, f"/api/v1/kpi?{PERIOD}&group_by=unit", world["all"]).json["rows"]}
    # Ward A: 4 valid responses / 10 transactions = 40 %; the province: 6 / 50 = 12 %.
    assert rows["P-A"]["response_rate"] == 40.0 and rows["P"]["response_rate"] == 12.0
    bad = client.put(
        "/api/v1/volumes", json=[{"unit": "P-A", "day": "2026-03-02", "transactions": -1}], headers=world["all"]
    )
    assert bad.status_code == 422
    unknown = client.put(
        "/api/v1/volumes", json=[*body, {"unit": "NOPE", "day": "2026-03-02", "transactions": 1}], headers=world["all"]
    )
    assert unknown.status_code == 422
    assert client.put("/api/v1/volumes", json=body, headers=world["all"]).json == {"created": 0, "updated": 0}
