"""Posters: one per active counter of a unit subtree, in the browser and as one PDF."""

from __future__ import annotations

import re

import pytest


@pytest.fixture()
def units(factories):
    province = factories.unit(code="KH", name_vi="UBND tỉnh Khánh Hòa")
    centre = factories.unit(code="KH-TTHCC", parent=province, name_vi="Trung tâm Phục vụ hành chính công")
    ward = factories.unit(code="KH-W1", parent=province)
    factories.counter(code="KH-TTHCC-Q01", unit=centre, label_vi="Quầy 01 – Tư pháp")
    factories.counter(code="KH-TTHCC-Q03", unit=centre, label_vi="Quầy 03 – Xây dựng")
    factories.counter(code="KH-TTHCC-OLD", unit=centre, active=False)
    factories.counter(code="KH-W1-Q1", unit=ward)
    return province


def test_print_page_lists_active_counters_of_the_subtree(client, units, app):
    body = client.get("/posters/KH-TTHCC").get_data(as_text=True)
    assert body.count('class="poster"') == 2
    assert "Quầy 03 – Xây dựng" in body and "KH-TTHCC-OLD" not in body and "KH-W1-Q1" not in body
    assert body.count("<svg") == 2
    assert app.config["FEEDBACK_PUBLIC_URL"].split("://")[1] + "/q/KH-TTHCC-Q03" in body
    assert client.get("/posters/KH").get_data(as_text=True).count('class="poster"') == 3
    assert 'class="size-a5"' in client.get("/posters/KH?size=a5").get_data(as_text=True)
    assert 'class="size-a4"' in client.get("/posters/KH?size=letter").get_data(as_text=True)


def test_pdf_has_one_page_per_counter(client, units):
    for size in ("a4", "a5"):
        response = client.get(f"/posters/KH.pdf?size={size}")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        assert len(re.findall(rb"/Type\s*/Page(?!s)", response.data)) == 3


def test_unknown_unit_or_no_counter_is_404(client, units, factories):
    assert client.get("/posters/NOPE").status_code == 404
    assert client.get("/posters/NOPE.pdf").status_code == 404
    factories.unit(code="EMPTY")
    assert client.get("/posters/EMPTY").status_code == 404
