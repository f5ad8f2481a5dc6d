"""The HTTP API: every error path answers the JSON error with the right 4xx; the ticket happy path works;
no /api/v1 route escapes the OpenAPI document."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from feedback.models import ApiKey, Ticket

TICKETS = "/api/v1/tickets"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_error(response, status: int, code: str | None = None, message: str | None = None) -> dict:
    """The response is ``{"error": {"code", "message"}}`` as JSON with ``status``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    if message is not None:
        assert message in body["error"]["message"], body
    return body["error"]


# --- authentication ---------------------------------------------------------------------------


def test_no_key(client, org):
    response = client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"})
    assert_error(response, 401, "unauthorized", "missing Authorization header")
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer not-a-key", "Bearer fbk__secret", "Bearer fbk_abcd1234_"],
)
def test_malformed_authorization(client, key, header):
    response = client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"}, headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")


def test_wrong_key(client, key):
    fbk, prefix, secret = key.split("_", 2)
    wrong_secret = f"{fbk}_{prefix}_{'A' if secret[0] != 'A' else 'B'}{secret[1:]}"
    response = client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"}, headers=bearer(wrong_secret))
    assert_error(response, 401, "unauthorized", "unknown API key")
    unknown_prefix = f"{fbk}_00000000_{secret}"
    response = client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"}, headers=bearer(unknown_prefix))
    assert_error(response, 401, "unauthorized", "unknown API key")


def test_revoked_key(client, cli, key):
    assert client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"}, headers=bearer(key)).status_code == 201
    prefix = key.split("_", 2)[1]
    result = cli("apikeys", "revoke", prefix)
    assert result.exit_code == 0, result.output
    response = client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"}, headers=bearer(key))
    assert_error(response, 401, "unauthorized", "revoked")


def test_key_without_the_scope(client, make_key):
    key = make_key(scopes="kpi:read,responses:read")
    response = client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"}, headers=bearer(key))
    assert_error(response, 403, "insufficient_scope", "tickets:write")


def test_every_documented_operation_needs_a_key(client, org):
    """No key → 401 JSON on every operation the document says is secured."""
    document = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or operation.get("security", document.get("security")) == []:
                continue
            url = "/api/v1" + re.sub(r"\{[^}]+\}", "x", path)
            response = client.open(url, method=method.upper(), json={} if method in ("post", "put") else None)
            assert_error(response, 401, "unauthorized")
            assert "401" in operation["responses"], f"{method.upper()} {path} does not document its 401"
            checked += 1
    assert checked >= 1


# --- POST /api/v1/tickets: bad input ------------------------------------------------------------


def test_another_units_counter(client, key, org):
    # The key belongs to the centre; the ward's counter is outside its subtree.
    response = client.post(TICKETS, json={"counter": org.ward_counter.code}, headers=bearer(key))
    assert_error(response, 403, "forbidden", "outside this key's unit")


def test_a_province_key_may_issue_for_any_counter_below(client, make_key, org):
    key = make_key(unit="KH")
    response = client.post(TICKETS, json={"counter": org.ward_counter.code}, headers=bearer(key))
    assert response.status_code == 201, response.get_json()


def test_unknown_counter(client, key):
    response = client.post(TICKETS, json={"counter": "KH-NOPE-Q99"}, headers=bearer(key))
    assert_error(response, 404, "not_found", "KH-NOPE-Q99")


def test_inactive_counter(client, key, org):
    response = client.post(TICKETS, json={"counter": org.closed_counter.code}, headers=bearer(key))
    assert_error(response, 422, "invalid_body", "not active")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"counter": "KH-TTHCC-Q03", "staff": "CB9999"}, "staff"),
        ({"counter": "KH-TTHCC-Q03", "service": "9.999999"}, "service"),
    ],
)
def test_unknown_staff_or_service(client, key, body, field):
    assert_error(client.post(TICKETS, json=body, headers=bearer(key)), 422, "invalid_body", field)


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"counter": "KH-TTHCC-Q03",}', b"\xff\xfe", b"", b"null", b"NaN-ish", b'{"counter": "KH-TTHCC-Q03"'],
)
def test_malformed_json(client, key, raw):
    response = client.post(TICKETS, data=raw, headers={**bearer(key), "Content-Type": "application/json"})
    assert_error(response, 400, "malformed_json")


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_body_that_is_not_json(client, key, content_type):
    headers = bearer(key)
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(TICKETS, data=b'{"counter": "KH-TTHCC-Q03"}', headers=headers)
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "counter"),
        ({"counter": 3}, "counter"),
        ({"counter": None}, "counter"),
        ({"counter": ["KH-TTHCC-Q03"]}, "counter"),
        ({"counter": ""}, "counter"),
        ({"counter": "K" * 41}, "counter"),
        ({"counter": "KH-TTHCC-Q03", "staff": 1}, "staff"),
        ({"counter": "KH-TTHCC-Q03", "staff": ""}, "staff"),
        ({"counter": "KH-TTHCC-Q03", "service": {"code": "1.009972"}}, "service"),
        ({"counter": "KH-TTHCC-Q03", "ttl_minutes": "60"}, "ttl_minutes"),
        ({"counter": "KH-TTHCC-Q03", "ttl_minutes": 60.5}, "ttl_minutes"),
        ({"counter": "KH-TTHCC-Q03", "ttl_minutes": True}, "ttl_minutes"),
        ({"counter": "KH-TTHCC-Q03", "ttl_minutes": 0}, "ttl_minutes"),
        ({"counter": "KH-TTHCC-Q03", "ttl_minutes": 7 * 24 * 60 + 1}, "ttl_minutes"),
        ({"counter": "KH-TTHCC-Q03", "ttl_minutes": 10**30}, "ttl_minutes"),
        ({"counter": "KH-TTHCC-Q03", "reference": "<script>"}, "reference"),
        ({"counter": "KH-TTHCC-Q03", "reference": "x" * 65}, "reference"),
        ({"counter": "KH-TTHCC-Q03", "colour": "red"}, "colour"),
        (["KH-TTHCC-Q03"], "body"),
        ("KH-TTHCC-Q03", "body"),
        (42, "body"),
    ],
)
def test_wrong_types_and_values(client, key, body, field):
    response = client.post(TICKETS, json=body, headers=bearer(key))
    assert_error(response, 422, "invalid_body", field)


@pytest.mark.parametrize(
    "body",
    [
        {"counter": "KH-TTHCC-Q03\u0000"},
        {"counter": "KH-TTHCC-Q03", "staff": "CB\u00000001"},
        {"counter": "KH-TTHCC-Q03", "service": "\u0000"},
        {"counter": "KH-TTHCC-Q03", "\u0000": 1},
    ],
)
def test_a_nul_character_is_bad_input_not_a_server_error(client, key, body):
    # PostgreSQL refuses NUL in text: before the check this was a 500 there (SQLite answered 404/422).
    assert_error(client.post(TICKETS, json=body, headers=bearer(key)), 422, "invalid_body", "NUL")


def test_a_nul_character_elsewhere_in_the_api(client, make_key):
    key = make_key(unit="KH", scopes="kpi:read,responses:read,tickets:write,volumes:write")
    volumes = [{"unit": "KH\u0000", "day": "2026-01-05", "transactions": 3}]
    assert_error(client.put("/api/v1/volumes", json=volumes, headers=bearer(key)), 422, "invalid_body", "NUL")
    kpi = "/api/v1/kpi?from=2026-01-01&to=2026-01-31&group_by=unit&unit=KH%00"
    assert_error(client.get(kpi, headers=bearer(key)), 400, "invalid_query", "NUL")
    assert_error(client.get("/api/v1/responses?after=%00", headers=bearer(key)), 400, "invalid_query")
    header = {"Authorization": "Bearer fbk_ab\x00cd_secret"}
    assert_error(client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"}, headers=header), 401, "unauthorized")


def test_a_body_over_the_size_limit(client, key):
    body = b'{"counter": "' + b"x" * (300 * 1024) + b'"}'
    response = client.post(TICKETS, data=body, headers={**bearer(key), "Content-Type": "application/json"})
    assert_error(response, 413)


def test_unknown_route_and_wrong_method_are_json_too(client, key):
    assert_error(client.get("/api/v1/nothing-here", headers=bearer(key)), 404)
    assert_error(client.get(TICKETS, headers=bearer(key)), 405)
    assert_error(client.delete(TICKETS, headers=bearer(key)), 405)


def test_bad_input_writes_nothing(client, session, key):
    for body in ({"counter": "KH-NOPE"}, {"counter": "KH-TTHCC-Q03", "staff": "CB9999"}, {"counter": 1}):
        client.post(TICKETS, json=body, headers=bearer(key))
    assert session.scalars(select(Ticket)).all() == []


# --- POST /api/v1/tickets: the happy path --------------------------------------------------------


def test_ticket_is_issued_and_its_url_and_qr_codes_work(app, client, session, key, org):
    response = client.post(
        TICKETS,
        json={
            "counter": "KH-TTHCC-Q03",
            "staff": "CB0001",
            "service": "1.009972",
            "reference": "H32.22-241204-0001",
            "ttl_minutes": 30,
        },
        headers=bearer(key),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"token", "url", "expires_at", "qr_svg", "qr_png"}
    base = app.config["FEEDBACK_PUBLIC_URL"]
    assert body["url"] == f"{base}/t/{body['token']}"
    assert body["qr_svg"] == f"{base}/t/{body['token']}/qr.svg"
    assert body["qr_png"] == f"{base}/t/{body['token']}/qr.png"

    page = client.get(body["url"].removeprefix(base))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Nguyễn Thị Thu Hà" in text and 'name="csrf_token"' in text and 'name="overall"' in text

    svg = client.get(body["qr_svg"].removeprefix(base))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    png = client.get(body["qr_png"].removeprefix(base))
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")

    ticket = session.scalar(select(Ticket))
    key_row = session.scalar(select(ApiKey))
    assert (ticket.counter_id, ticket.staff_id, ticket.service_id) == (org.q03.id, org.staff.id, org.service.id)
    assert ticket.reference == "H32.22-241204-0001" and ticket.api_key_id == key_row.id
    assert 29 * 60 <= (ticket.expires_at - ticket.issued_at).total_seconds() <= 30 * 60
    assert key_row.last_used_at is not None


def test_minimal_ticket_request(client, key):
    response = client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"}, headers=bearer(key))
    assert response.status_code == 201
    assert response.get_json()["expires_at"]


def test_a_forged_ticket_url_is_refused(client, key):
    token = client.post(TICKETS, json={"counter": "KH-TTHCC-Q03"}, headers=bearer(key)).get_json()["token"]
    token_id, signature = token.rsplit(".", 1)
    # Change the signature's first character: all six of its bits count (the last one carries padding).
    forged = f"{token_id}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert client.get(f"/t/{forged}").status_code == 404
    assert client.get(f"/t/{forged}/qr.svg").status_code == 404


# --- the OpenAPI document -----------------------------------------------------------------------


def _openapi_path(rule: str) -> str:
    """``/api/v1/t/<token>`` → ``/t/{token}`` (converters dropped), relative to the server URL."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_every_api_route_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["servers"][0]["url"].endswith("/api/v1")
    routes = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]
    assert routes, "no /api routes found"
    missing = []
    for rule in routes:
        path = _openapi_path(rule.rule)
        assert rule.rule.startswith("/api/v1/"), f"{rule.rule} is outside /api/v1"
        documented = {m.upper() for m in document["paths"].get(path, {}) if m in HTTP_METHODS}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method not in documented:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes missing from /api/v1/openapi.json: {missing}"
    # …and nothing is documented that does not exist.
    served = {(_openapi_path(r.rule), m.lower()) for r in routes for m in (r.methods or set())}
    for path, item in document["paths"].items():
        for method in set(item) & HTTP_METHODS:
            assert (path, method) in served, f"{method.upper()} {path} is documented but not served"


def test_the_openapi_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises OpenAPIValidationError with the offending path
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                assert operation.get("operationId"), f"{method} operation without an operationId"
                for status, answer in operation["responses"].items():
                    if status.startswith("4"):
                        schema = answer["content"]["application/json"]["schema"]
                        assert schema == {"$ref": "#/components/schemas/Error"}, (method, status)
