"""CLI for API keys, kiosks, staff PINs and posters."""

from __future__ import annotations

import re

from sqlalchemy import select

from feedback.models import ApiKey, CounterShift, KioskDevice, Staff
from tests.conftest import EXAMPLES


def load_examples(cli):
    result = cli(
        "directory",
        "import",
        "--units",
        str(EXAMPLES / "units.csv"),
        "--counters",
        str(EXAMPLES / "counters.csv"),
        "--staff",
        str(EXAMPLES / "staff.csv"),
    )
    assert result.exit_code == 0, result.output


def test_apikeys_create_list_revoke(cli, session):
    load_examples(cli)
    created = cli("apikeys", "create", "Một cửa điện tử", "--unit", "KH-TTHCC", "--scopes", "tickets:write,kpi:read")
    assert created.exit_code == 0
    key = created.output.strip().splitlines()[-1]
    assert re.fullmatch(r"fbk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", key)
    prefix = key.split("_")[1]
    listed = cli("apikeys", "list").output
    assert prefix in listed and "kpi:read,tickets:write" in listed and key.split("_", 2)[2] not in listed
    assert cli("apikeys", "revoke", prefix).exit_code == 0
    assert session.scalar(select(ApiKey.revoked_at)) is not None
    assert "revoked" in cli("apikeys", "list").output


def test_apikeys_bad_input(cli):
    load_examples(cli)
    assert cli("apikeys", "create", "k", "--unit", "KH", "--scopes", "root").exit_code == 1
    assert cli("apikeys", "create", "k", "--unit", "NOPE", "--scopes", "kpi:read").exit_code == 1
    assert cli("apikeys", "create", "k", "--unit", "KH").exit_code == 2
    assert cli("apikeys", "revoke", "nope").exit_code == 1
    assert cli("apikeys", "list").output.strip() == "no API keys"


def test_kiosk_enrol_on_duty_and_pins(cli, session):
    load_examples(cli)
    enrolled = cli("kiosk", "enrol", "KH-TTHCC-Q03", "--name", "Tablet 3")
    assert enrolled.exit_code == 0 and re.search(r"/k/enrol/[A-Za-z0-9_-]{32}$", enrolled.output.strip())
    assert session.scalar(select(KioskDevice.name)) == "Tablet 3"
    assert cli("kiosk", "enrol", "NOPE").exit_code == 1
    assert cli("kiosk", "on-duty", "KH-TTHCC-Q03", "--staff", "CB0001").exit_code == 0
    assert session.scalar(select(CounterShift.method)) == "manager"
    assert cli("kiosk", "on-duty", "KH-TTHCC-Q03").exit_code == 2
    assert cli("kiosk", "on-duty", "KH-TTHCC-Q03", "--nobody").output.strip() == "KH-TTHCC-Q03: nobody on duty"
    assert cli("kiosk", "revoke", "KH-TTHCC-Q03").output.strip() == "revoked 1 kiosk(s) at KH-TTHCC-Q03"
    assert cli("staff", "set-pin", "CB0001", input="24681357\n").exit_code == 0
    assert session.scalar(select(Staff.pin_hash).where(Staff.code == "CB0001")).startswith(("scrypt:", "pbkdf2:"))
    short = cli("staff", "set-pin", "CB0001", input="1234\n")
    assert short.exit_code == 1 and "6 to 8 digits" in short.output
    assert cli("staff", "set-pin", "NOPE", input="123456\n").exit_code == 1


def test_qr_posters_pdf(cli, tmp_path):
    load_examples(cli)
    out = tmp_path / "posters.pdf"
    result = cli("qr", "posters", "--unit", "KH", "-o", str(out), "--size", "a5")
    assert result.exit_code == 0 and "3 poster(s), A5" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    assert cli("qr", "posters", "--unit", "NOPE", "-o", str(out)).exit_code == 1
    assert cli("qr", "posters", "--unit", "KH", "-o", str(tmp_path / "x.png")).exit_code == 1
    assert cli("qr", "posters", "--unit", "KH", "-o", str(out), "--size", "a3").exit_code == 2


def test_demo_creates_sign_ins_once(cli, session):
    from feedback.models import User

    first = cli("demo", "--months", "1")
    assert first.exit_code == 0, first.output
    assert "quanly@demo.khanhhoa.gov.vn" in first.output and "/login" in first.output
    assert cli("demo", "--months", "1").exit_code == 0
    roles = sorted(session.scalars(select(User.role)))
    assert roles == ["manager", "manager", "staff"]


def test_users_cli(cli, session):
    load_examples(cli)
    created = cli(
        "users", "create", "Manager@KH.gov.vn", "--role", "manager", "--unit", "KH", input="Mot-mat-khau-dai-2026\n"
    )
    assert created.exit_code == 0 and "manager@kh.gov.vn" in created.output
    weak = cli("users", "create", "b@kh.gov.vn", "--role", "viewer", "--unit", "KH", input="short\n")
    assert weak.exit_code == 1 and "12 characters" in weak.output
    dup = cli(
        "users", "create", "manager@kh.gov.vn", "--role", "viewer", "--unit", "KH", input="Mot-mat-khau-dai-2026\n"
    )
    assert dup.exit_code == 1 and "already exists" in dup.output
    staff = cli("users", "create", "s@kh.gov.vn", "--role", "staff", "--unit", "KH", input="Mot-mat-khau-dai-2026\n")
    assert staff.exit_code == 1 and "--staff" in staff.output
    assert cli("users", "create", "x@kh.gov.vn", "--role", "owner", "--unit", "KH", input="x\n").exit_code == 2
    assert "manager@kh.gov.vn  manager  unit=KH  active" in cli("users", "list").output
    assert cli("users", "disable", "manager@kh.gov.vn").exit_code == 0
    assert "disabled" in cli("users", "list").output
    assert cli("users", "disable", "nobody@kh.gov.vn").exit_code == 1
