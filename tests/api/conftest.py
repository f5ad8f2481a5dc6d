"""An organisation and API keys for the API tests, made through the CLI inside the test's transaction."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from feedback.models import Counter, Service, Staff, Unit


@dataclass
class Org:
    province: Unit
    centre: Unit
    ward: Unit
    q03: Counter
    ward_counter: Counter
    closed_counter: Counter
    staff: Staff
    service: Service


@pytest.fixture()
def org(factories) -> Org:
    province = factories.unit(code="KH", name_vi="UBND tỉnh Khánh Hòa", kind="province")
    centre = factories.unit(code="KH-TTHCC", parent=province)
    ward = factories.unit(code="KH-P-NHATRANG", parent=province, kind="ward")
    return Org(
        province=province,
        centre=centre,
        ward=ward,
        q03=factories.counter(code="KH-TTHCC-Q03", unit=centre),
        ward_counter=factories.counter(code="KH-NT-Q01", unit=ward),
        closed_counter=factories.counter(code="KH-TTHCC-Q09", unit=centre, active=False),
        staff=factories.staff(code="CB0001", unit=centre, full_name="Nguyễn Thị Thu Hà"),
        service=factories.service(code="1.009972", name_vi="Cấp giấy phép xây dựng"),
    )


@pytest.fixture()
def make_key(cli, org):
    """``make_key(unit, scopes)`` → the key text printed by ``flask apikeys create`` (its last line)."""

    def make(unit: str = "KH-TTHCC", scopes: str = "tickets:write", name: str = "one-stop-shop") -> str:
        result = cli("apikeys", "create", name, "--unit", unit, "--scopes", scopes)
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

    return make


@pytest.fixture()
def key(make_key) -> str:
    return make_key()
