"""Directory import: idempotent upsert by code, all or nothing, errors by file, line and column."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import func, select

from feedback.models import Counter, Service, Staff, Unit
from feedback.services.directory import DirectoryImportError, import_directory

UNITS = """code,name_vi,name_en,parent_code,kind
KH,UBND tỉnh Khánh Hòa,Khánh Hòa Provincial People's Committee,,province
KH-TTHCC,Trung tâm Phục vụ hành chính công,Public Administration Service Centre,KH,centre
KH-P-NT,UBND phường Nha Trang,Nha Trang Ward,KH,ward
"""
COUNTERS = """code,unit_code,label_vi,label_en
KH-TTHCC-Q03,KH-TTHCC,Quầy 03,Counter 03
"""
STAFF = """code,full_name,unit_code,position,email
CB0001,Nguyễn Thị Thu Hà,KH,Chuyên viên,ha@example.gov.vn
"""
SERVICES = """code,name_vi,name_en,field
1.009972,Cấp giấy phép xây dựng,Construction permit,Xây dựng
"""


def files(**kinds: str) -> dict[str, tuple[str, bytes]]:
    return {kind: (f"{kind}.csv", text.encode("utf-8")) for kind, text in kinds.items()}


def counts(session) -> tuple[int, int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Unit, Counter, Staff, Service))


def errors_of(session, **kinds: str) -> list[str]:
    before = counts(session)
    with pytest.raises(DirectoryImportError) as info:
        import_directory(session, files(**kinds))
    assert counts(session) == before, "a failed import wrote something"
    return [str(e) for e in info.value.errors]


def test_import_creates_the_tree_and_is_idempotent(session):
    summary = import_directory(session, files(units=UNITS, counters=COUNTERS, staff=STAFF, services=SERVICES))
    assert summary.counts["units"] == {"created": 3, "updated": 0, "unchanged": 0}
    centre = session.scalar(select(Unit).where(Unit.code == "KH-TTHCC"))
    assert centre.parent.code == "KH" and centre.kind == "centre"
    assert session.scalar(select(Counter).where(Counter.code == "KH-TTHCC-Q03")).unit_id == centre.id
    again = import_directory(session, files(units=UNITS, counters=COUNTERS, staff=STAFF, services=SERVICES))
    assert all(c["created"] == 0 and c["updated"] == 0 for c in again.counts.values())
    assert counts(session) == (3, 1, 1, 1)


def test_update_by_code_changes_only_what_differs(session):
    import_directory(session, files(units=UNITS, counters=COUNTERS))
    renamed = COUNTERS.replace("Quầy 03,Counter 03", "Quầy 03 – Xây dựng,Counter 03 – Construction")
    summary = import_directory(session, files(counters=renamed))
    assert summary.counts["counters"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert session.scalar(select(Counter.label_vi)) == "Quầy 03 – Xây dựng"


def test_bom_crlf_and_decomposed_vietnamese_are_normalised(session):
    text = unicodedata.normalize("NFD", UNITS).replace("\n", "\r\n")
    import_directory(session, {"units": ("units.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))})
    name = session.scalar(select(Unit.name_vi).where(Unit.code == "KH"))
    assert name == "UBND tỉnh Khánh Hòa" and unicodedata.is_normalized("NFC", name)


def test_children_may_come_before_parents(session):
    lines = UNITS.strip().split("\n")
    reordered = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    import_directory(session, files(units=reordered))
    assert counts(session)[0] == 3


def test_bad_rows_name_file_line_and_column_and_nothing_is_written(session):
    bad = UNITS + "KH-X,,No name,KH,ward\nbad code!,Tên,Name,KH,ward\nKH-Y,Phường Y,Y,NOPE,ward\n"
    errors = errors_of(session, units=bad, counters=COUNTERS)
    assert "units.csv, line 5, column name_vi: a value is required" in errors
    assert any(e.startswith("units.csv, line 6, column code:") for e in errors)


def test_unknown_parent_and_unit_references(session):
    errors = errors_of(session, units=UNITS + "KH-Y,Phường Y,Y,NOPE,ward\n", counters=COUNTERS + "Q9,NOWHERE,Quầy 9,\n")
    assert "units.csv, line 5, column parent_code: no unit with code NOPE" in errors
    assert "counters.csv, line 3, column unit_code: no unit with code NOWHERE" in errors


def test_a_loop_in_the_tree_is_refused(session):
    import_directory(session, files(units=UNITS))
    loop = "code,name_vi,name_en,parent_code,kind\nKH,UBND tỉnh,,KH-TTHCC,province\n"
    errors = errors_of(session, units=loop)
    assert errors == ["units.csv, line 2, column parent_code: this parent would make a loop in the unit tree"]
    assert session.scalar(select(Unit.parent_id).where(Unit.code == "KH")) is None


def test_self_parent_duplicate_codes_and_wrong_cell_counts(session):
    bad = UNITS + "KH-Z,Z,Z,KH-Z,ward\nKH,Trùng,Dup,,province\nKH-W,W\n"
    errors = errors_of(session, units=bad)
    assert "units.csv, line 5, column parent_code: a unit cannot be its own parent" in errors
    assert "units.csv, line 6, column code: code KH already appears on line 2" in errors
    assert "units.csv, line 7: expected 5 values, found 2" in errors


def test_header_problems(session):
    assert errors_of(session, units="") == [
        "units.csv, line 1: the file is empty; expected a header row: code,name_vi,name_en,parent_code,kind"
    ]
    errors = errors_of(session, counters="code,unit,label_vi\nQ1,KH,Quầy 1\n")
    expected = "unknown column; expected code,unit_code,label_vi,label_en (and optionally active)"
    assert f"counters.csv, line 1, column unit: {expected}" in errors
    assert "counters.csv, line 1, column unit_code: required column is missing from the header row" in errors


def test_not_utf8_and_binary_files(session):
    latin = {"units": ("units.csv", "code,name_vi\nKH,Khánh\n".encode("latin-1"))}
    with pytest.raises(DirectoryImportError) as info:
        import_directory(session, latin)
    assert str(info.value.errors[0]) == "units.csv, line 2: the file is not UTF-8 text; save it as “CSV UTF-8”"
    with pytest.raises(DirectoryImportError):
        import_directory(session, {"units": ("units.csv", b"code,name_vi\n\x00\x01\x02")})


def test_quoted_multiline_field_keeps_line_numbers(session):
    text = 'code,name_vi,name_en,parent_code,kind\nKH,"UBND tỉnh\nKhánh Hòa",,,province\nbad code,X,,,ward\n'
    errors = errors_of(session, units=text)
    assert any(e.startswith("units.csv, line 4, column code") for e in errors)


def test_active_column_and_email_check(session):
    import_directory(session, files(units=UNITS))
    errors = errors_of(session, staff="code,full_name,unit_code,email\nCB1,Lê Văn A,KH,not-an-email\n")
    assert errors == ["staff.csv, line 2, column email: not an email address"]
    errors = errors_of(session, counters="code,unit_code,label_vi,active\nQ1,KH,Quầy 1,maybe\n")
    assert errors == ["counters.csv, line 2, column active: use 1 or 0"]
    import_directory(session, files(counters="code,unit_code,label_vi,active\nQ1,KH,Quầy 1,0\n"))
    assert session.scalar(select(Counter.active).where(Counter.code == "Q1")) is False


def test_an_error_in_one_file_writes_none_of_the_others(session):
    errors_of(session, units=UNITS, services=SERVICES, staff="code,full_name,unit_code\nCB1,,KH\n")
    assert counts(session) == (0, 0, 0, 0)


def test_long_values_are_refused(session):
    errors = errors_of(session, services=f"code,name_vi\n1.0001,{'x' * 501}\n")
    assert errors == ["services.csv, line 2, column name_vi: longer than 500 characters"]


def test_units_may_carry_integrity_settings(session):
    text = (
        "code,name_vi,parent_code,internal_networks,opening_hours\n"
        'KH,Tỉnh,,"10.0.0.0/8, 192.0.2.0/24",mon-fri 07:00-11:30 13:30-17:00\n'
        "KH-W,Phường,KH,,\n"
    )
    import_directory(session, files(units=text))
    province = session.scalar(select(Unit).where(Unit.code == "KH"))
    ward = session.scalar(select(Unit).where(Unit.code == "KH-W"))
    assert province.internal_networks == "10.0.0.0/8, 192.0.2.0/24"
    assert province.opening_hours == "mon-fri 07:00-11:30 13:30-17:00"
    assert ward.internal_networks is None  # empty: inherits from the province
    errors = errors_of(session, units="code,name_vi,internal_networks,opening_hours\nKH,Tỉnh,10.0.0.0/33,someday\n")
    assert errors == [
        "units.csv, line 2, column internal_networks: '10.0.0.0/33' is not an IP network (use CIDR, e.g. 10.20.0.0/16)",
        "units.csv, line 2, column opening_hours: 'someday': days are mon, tue, wed, thu, fri, sat, sun",
    ]
