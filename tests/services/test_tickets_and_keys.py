"""Tickets and API keys as use cases: scope, one use per ticket, expiry, forgery, revocation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from feedback.models import ApiKey, Response, Ticket
from feedback.services.apikeys import AuthenticationFailed, authenticate, create_api_key, revoke_api_key
from feedback.services.errors import Forbidden, InvalidInput, NotFound, TicketInvalid
from feedback.services.responses import Submission, submit_response
from feedback.services.surveys import load_survey
from feedback.services.tickets import TicketSigner, issue_ticket, open_ticket

SIGNER = TicketSigner("test-secret")


@pytest.fixture()
def org(factories):
    province = factories.unit(code="KH")
    centre = factories.unit(code="KH-TTHCC", parent=province)
    ward = factories.unit(code="KH-W1", parent=province)
    return {
        "province": province,
        "centre": centre,
        "ward": ward,
        "q03": factories.counter(code="KH-TTHCC-Q03", unit=centre),
        "ward_counter": factories.counter(code="KH-W1-Q1", unit=ward),
        "staff": factories.staff(code="CB0001", unit=centre, full_name="Nguyễn Thị Thu Hà"),
        "service": factories.service(code="1.009972", name_vi="Cấp giấy phép xây dựng"),
    }


def test_ticket_names_staff_and_service_and_is_used_once(session, org, factories):
    issued = issue_ticket(
        session,
        SIGNER,
        scope_unit_id=org["centre"].id,
        counter_code="KH-TTHCC-Q03",
        staff_code="CB0001",
        service_code="1.009972",
        reference="H32.22-241204-0001",
    )
    view = open_ticket(session, SIGNER, issued.token)
    assert (view.staff_name, view.service_code, view.counter_code) == ("Nguyễn Thị Thu Hà", "1.009972", "KH-TTHCC-Q03")
    survey = load_survey(session, factories.latest_version().id)
    first = Submission(submission_id=str(uuid.uuid4()), answers={"overall": 4}, channel="ticket", ticket_id=view.id)
    stored = submit_response(session, "KH-TTHCC-Q03", survey, first)
    response = session.scalar(select(Response).where(Response.receipt == stored.receipt))
    assert (response.staff_id, response.staff_attribution, response.service_id, response.channel) == (
        org["staff"].id,
        "ticket",
        org["service"].id,
        "ticket",
    )
    assert session.scalar(select(Ticket.used_at)) is not None
    with pytest.raises(TicketInvalid) as used:
        open_ticket(session, SIGNER, issued.token)
    assert used.value.state == "used"
    second = Submission(submission_id=str(uuid.uuid4()), answers={"overall": 1}, channel="ticket", ticket_id=view.id)
    with pytest.raises(TicketInvalid):
        submit_response(session, "KH-TTHCC-Q03", survey, second)
    assert session.scalar(select(func.count()).select_from(Response)) == 1
    # The same submission retried is still one response, and answers with the first receipt.
    assert submit_response(session, "KH-TTHCC-Q03", survey, first).receipt == stored.receipt


def test_expired_forged_and_unknown_tokens(session, org):
    now = datetime.now(UTC)
    issued = issue_ticket(
        session,
        SIGNER,
        scope_unit_id=org["province"].id,
        counter_code="KH-W1-Q1",
        ttl_minutes=5,
        now=now - timedelta(minutes=10),
    )
    with pytest.raises(TicketInvalid) as expired:
        open_ticket(session, SIGNER, issued.token)
    assert expired.value.state == "expired"
    tampered = issued.token[:-2] + ("AA" if not issued.token.endswith("AA") else "BB")
    for token in (tampered, "not-a-token", "", "x" * 500):
        with pytest.raises(TicketInvalid) as forged:
            open_ticket(session, SIGNER, token)
        assert forged.value.state == "forged"
    with pytest.raises(TicketInvalid) as unknown:
        open_ticket(session, SIGNER, SIGNER.sign("never-issued"))
    assert unknown.value.state == "unknown"
    with pytest.raises(TicketInvalid):
        open_ticket(session, TicketSigner("another-secret"), issued.token)


def test_ticket_scope_and_bad_input(session, org):
    with pytest.raises(Forbidden):
        issue_ticket(session, SIGNER, scope_unit_id=org["ward"].id, counter_code="KH-TTHCC-Q03")
    with pytest.raises(NotFound):
        issue_ticket(session, SIGNER, scope_unit_id=org["province"].id, counter_code="NOPE")
    with pytest.raises(InvalidInput, match="staff"):
        issue_ticket(session, SIGNER, scope_unit_id=org["province"].id, counter_code="KH-W1-Q1", staff_code="NOPE")
    with pytest.raises(InvalidInput, match="service"):
        issue_ticket(session, SIGNER, scope_unit_id=org["province"].id, counter_code="KH-W1-Q1", service_code="9.9")
    for ttl in (0, -5, 10081):
        with pytest.raises(InvalidInput, match="ttl_minutes"):
            issue_ticket(session, SIGNER, scope_unit_id=org["province"].id, counter_code="KH-W1-Q1", ttl_minutes=ttl)
    with pytest.raises(InvalidInput, match="reference"):
        issue_ticket(session, SIGNER, scope_unit_id=org["province"].id, counter_code="KH-W1-Q1", reference="<script>")
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_api_key_is_shown_once_stored_hashed_and_revocable(session, org):
    key, text = create_api_key(session, "Một cửa điện tử", "KH-TTHCC", "tickets:write,kpi:read")
    stored = session.scalar(select(ApiKey))
    secret = text.split("_", 2)[2]
    assert secret not in stored.secret_hash and len(stored.secret_hash) == 64
    caller = authenticate(session, f"Bearer {text}")
    assert caller.unit_id == org["centre"].id and caller.scopes == {"tickets:write", "kpi:read"}
    assert session.scalar(select(ApiKey.last_used_at)) is not None
    revoke_api_key(session, key.prefix)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        authenticate(session, f"Bearer {text}")


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("Basic abc", "Bearer"),
        ("Bearer ", "Bearer"),
        ("Bearer abc", "malformed"),
        ("Bearer fbk_nope_secret", "unknown"),
    ],
)
def test_bad_authorization_headers(session, org, header, reason):
    with pytest.raises(AuthenticationFailed, match=reason):
        authenticate(session, header)


def test_wrong_secret_for_a_real_prefix(session, org):
    key, text = create_api_key(session, "k", "KH", "kpi:read")
    with pytest.raises(AuthenticationFailed, match="unknown"):
        authenticate(session, f"Bearer fbk_{key.prefix}_wrong")


def test_create_key_bad_input(session, org):
    with pytest.raises(InvalidInput, match="scopes"):
        create_api_key(session, "k", "KH", "admin")
    with pytest.raises(InvalidInput, match="scopes"):
        create_api_key(session, "k", "KH", "")
    with pytest.raises(NotFound):
        create_api_key(session, "k", "NOPE", "kpi:read")
    with pytest.raises(InvalidInput, match="name"):
        create_api_key(session, " ", "KH", "kpi:read")


def test_only_the_canonical_token_spelling_is_accepted():
    token = SIGNER.sign("abc123")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for other in alphabet:
        variant = token[:-1] + other
        if variant == token:
            assert SIGNER.unsign(variant) == "abc123"
        else:
            with pytest.raises(TicketInvalid):
                SIGNER.unsign(variant)
