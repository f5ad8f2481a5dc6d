"""KPI and response exports as JSON, CSV (UTF-8 with BOM, for Excel) and XLSX.

All three formats carry the same numbers: one function flattens a report into columns, rounded
once, and each format only writes them. No cell can become a formula: CSV text that starts with
= + - @ (or a tab or carriage return) gets a leading apostrophe, and XLSX text is written as text.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from feedback.kpi.metrics import round1
from feedback.services.kpi import KpiReport

BASE_COLUMNS = ("key", "name", "n", "index", "adjusted", "band", "response_rate", "excluded", "suspect")
DIMENSION_FIELDS = ("n", "mean", "score", "csat", "csat_low", "csat_high")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

DEFINITIONS = {
    "key": "Mã nhóm (đơn vị, quầy, cán bộ hoặc thủ tục) · Group code (unit, counter, staff or procedure)",
    "name": "Tên nhóm · Group name",
    "n": "Số phiếu hợp lệ được tính · Valid responses counted",
    "index": "Chỉ số hài lòng: trung bình có trọng số của score các tiêu chí có n > 0 · "
    "Satisfaction index: weighted mean of the dimension scores with n > 0",
    "adjusted": "Chỉ số điều chỉnh (n·index + m·chỉ số cấp trên)/(n + m) · "
    "Index shrunk toward the parent unit: (n·index + m·parent)/(n + m)",
    "band": "Mức xếp loại theo adjusted; insufficient_data khi n < min_n · "
    "Band from adjusted; insufficient_data when n < min_n",
    "response_rate": "Phiếu / giao dịch × 100 khi có số giao dịch · "
    "Responses / transactions × 100 where volumes are known",
    "excluded": "Số phiếu bị loại (có lý do) · Responses excluded by a manager, with a reason",
    "suspect": "Số phiếu hợp lệ có cờ kiểm tra · Valid responses carrying an integrity flag",
    "cases_opened": "Phản ánh mở trong kỳ (dòng đơn vị) · Follow-up cases opened in the period (unit rows)",
    "cases_on_time": "Phản ánh đã giải quyết đúng hạn · Of those, resolved by their due date",
    "case_median_hours": "Trung vị số giờ từ khi mở đến khi đóng · Median hours from opening to closing",
    "_n": "Số câu trả lời cho tiêu chí · Answers to this dimension",
    "_mean": "Mức trung bình · Mean level",
    "_score": "(mean − 1)/(k − 1) × 100",
    "_csat": "Tỷ lệ hài lòng (mức 4–5 thang 5; 2–3 thang 3) × 100 · Share satisfied × 100",
    "_csat_low": "Cận dưới khoảng Wilson 95 % · Wilson 95 % lower bound × 100",
    "_csat_high": "Cận trên khoảng Wilson 95 % · Wilson 95 % upper bound × 100",
}


def safe_text(value: Any) -> Any:
    """A string that a spreadsheet would read as a formula, made plain text with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _mean(value: float | None) -> float | None:
    """A mean level to two decimals, halves away from zero (as round1 does for one)."""
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


RESPONSIVENESS_COLUMNS = ("cases_opened", "cases_on_time", "case_median_hours")


def _base(report: KpiReport) -> tuple[str, ...]:
    return BASE_COLUMNS + (RESPONSIVENESS_COLUMNS if report.group_by == "unit" else ())


def kpi_columns(report: KpiReport) -> list[str]:
    return list(_base(report)) + [f"{d}_{f}" for d in report.dimensions for f in DIMENSION_FIELDS]


def kpi_records(report: KpiReport) -> list[dict[str, Any]]:
    """The report as JSON-ready rows, rounded once for every format (SPEC §4: only at output)."""
    records = []
    for row in report.rows:
        dimensions = {}
        for name, result in row.dimensions.items():
            dimensions[name] = {
                "n": result.n,
                "mean": _mean(result.mean),
                "score": round1(result.score),
                "csat": round1(result.csat),
                "csat_low": round1(result.csat_low),
                "csat_high": round1(result.csat_high),
            }
        records.append(
            {
                "key": row.key,
                "name": row.name,
                "n": row.n,
                "index": round1(row.index),
                "adjusted": round1(row.adjusted),
                "band": row.band,
                "response_rate": round1(row.response_rate),
                "excluded": row.excluded,
                "suspect": row.suspect,
                "dimensions": dimensions,
            }
        )
        if report.group_by == "unit":
            records[-1].update(
                cases_opened=row.cases_opened,
                cases_on_time=row.cases_on_time,
                case_median_hours=round1(row.case_median_hours),
            )
    return records


def kpi_document(report: KpiReport) -> dict[str, Any]:
    return {
        "from": report.date_from.isoformat(),
        "to": report.date_to.isoformat(),
        "group_by": report.group_by,
        "rules": report.rules.to_dict(),
        "rows": kpi_records(report),
    }


def flat_rows(report: KpiReport) -> Iterator[list[Any]]:
    for record in kpi_records(report):
        values = [record[c] for c in _base(report)]
        for dimension in report.dimensions:
            fields = record["dimensions"].get(dimension)
            values.extend(fields[f] if fields else None for f in DIMENSION_FIELDS)
        yield values


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text line by line, starting with a BOM so Excel reads UTF-8 Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if v is None else safe_text(v) for v in row])
        yield buffer.getvalue()


def kpi_csv(report: KpiReport) -> bytes:
    return "".join(csv_lines(kpi_columns(report), flat_rows(report))).encode("utf-8")


def kpi_xlsx(report: KpiReport) -> bytes:
    """A data sheet and a sheet that defines every column, states the rules and the data's SHA-256."""
    columns = kpi_columns(report)
    rows = list(flat_rows(report))
    data_digest = hashlib.sha256(kpi_csv(report)).hexdigest()
    import xlsxwriter  # only XLSX exports need it

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("data")
    for col, name in enumerate(columns):
        sheet.write_string(0, col, name, bold)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                sheet.write_string(r, c, str(value))
            else:
                sheet.write_number(r, c, value)
    sheet.freeze_panes(1, 2)
    info = book.add_worksheet("definitions")
    info.set_column(0, 0, 24)
    info.set_column(1, 1, 110)
    lines: list[tuple[str, str]] = [
        ("period", f"{report.date_from.isoformat()} .. {report.date_to.isoformat()} (local days, inclusive)"),
        ("group_by", report.group_by),
        ("rules_version", str(report.rules.version)),
        ("data_sha256", f"{data_digest} (SHA-256 of the same data as CSV: the format=csv export of this request)"),
    ]
    rules = report.rules.to_dict()
    for name, value in rules.items():
        lines.append((f"rule.{name}", str(value)))
    lines.append(("", ""))
    for column in columns:
        field = column if column in DEFINITIONS else "_" + column.rsplit("_", 1)[-1]
        if column.endswith(("_csat_low", "_csat_high")):
            field = "_" + "_".join(column.rsplit("_", 2)[-2:])
        lines.append((column, DEFINITIONS.get(field, "")))
    for r, (name, text) in enumerate(lines):
        info.write_string(r, 0, name, bold)
        info.write_string(r, 1, text)
    book.close()
    return out.getvalue()


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
