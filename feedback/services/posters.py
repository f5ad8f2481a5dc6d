"""Printable counter posters: unit and counter names, the QR code, the short URL and instructions."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import Counter, Unit
from feedback.services.errors import NotFound
from feedback.services.scope import subtree_ids

if TYPE_CHECKING:  # fpdf is imported when a poster is drawn: it is a third of an idle process's memory
    from fpdf import FPDF

SIZES = {"a4": (210.0, 297.0), "a5": (148.0, 210.0)}
INSTRUCTIONS_VI = "Quét mã QR bằng camera điện thoại, chọn mức độ hài lòng và bấm Gửi. Không cần cài ứng dụng."
INSTRUCTIONS_EN = "Scan the QR code with your phone camera, choose how satisfied you are and tap Send. No app needed."
TITLE_VI = "Ông/Bà hài lòng với việc phục vụ hôm nay?"
TITLE_EN = "How satisfied are you with our service today?"


@dataclass(frozen=True)
class PosterCounter:
    code: str
    label_vi: str
    label_en: str
    unit_name_vi: str
    unit_name_en: str
    url: str

    @property
    def short_url(self) -> str:
        return self.url.split("://", 1)[-1]


def poster_counters(session: Session, unit_code: str, public_url: str) -> list[PosterCounter]:
    """The active counters of a unit's subtree, in unit then counter order."""
    unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code))
    if unit_id is None:
        raise NotFound(f"no unit with code {unit_code!r}")
    rows = session.execute(
        select(Counter.code, Counter.label_vi, Counter.label_en, Unit.name_vi, Unit.name_en)
        .join(Unit, Counter.unit_id == Unit.id)
        .where(Counter.unit_id.in_(subtree_ids(session, unit_id)), Counter.active.is_(True), Unit.active.is_(True))
        .order_by(Unit.code, Counter.code)
    )
    return [
        PosterCounter(code, label_vi, label_en or label_vi, name_vi, name_en or name_vi, f"{public_url}/q/{code}")
        for code, label_vi, label_en, name_vi, name_en in rows
    ]


def qr_matrix(data: str) -> list[list[bool]]:
    # With its 4-module quiet zone, as the SVG on the print page has, so both print the same size.
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def render_pdf(counters: list[PosterCounter], size: str = "a4") -> bytes:
    """One page per counter; the QR is drawn as vector squares, so it is sharp at any print size."""
    from fpdf import FPDF

    width, height = SIZES[size]
    k = width / 210.0  # everything is laid out for A4 and scaled
    pdf = FPDF(orientation="portrait", unit="mm", format=(width, height))  # ISO sizes exactly
    pdf.set_auto_page_break(False)
    fonts = resources.files("feedback") / "static" / "fonts"
    pdf.add_font("Noto", "", str(fonts / "NotoSans-Regular.ttf"))
    pdf.add_font("Noto", "B", str(fonts / "NotoSans-Bold.ttf"))
    pdf.set_title("Posters")
    margin = 15 * k
    inner = width - 2 * margin
    for counter in counters:
        pdf.add_page()
        pdf.set_text_color(11, 79, 138)
        pdf.set_fill_color(11, 79, 138)
        pdf.rect(0, 0, width, 6 * k, style="F")
        pdf.set_xy(margin, 14 * k)
        pdf.set_font("Noto", "B", 15 * k)
        pdf.multi_cell(inner, 7 * k, counter.unit_name_vi, align="C")
        pdf.set_text_color(61, 69, 81)
        pdf.set_font("Noto", "", 10 * k)
        pdf.set_x(margin)
        pdf.multi_cell(inner, 5 * k, counter.unit_name_en, align="C")
        pdf.ln(3 * k)
        pdf.set_text_color(27, 27, 27)
        pdf.set_font("Noto", "B", 26 * k)
        pdf.set_x(margin)
        pdf.multi_cell(inner, 11 * k, counter.label_vi, align="C")
        pdf.set_font("Noto", "", 13 * k)
        pdf.set_x(margin)
        pdf.multi_cell(inner, 6 * k, counter.label_en, align="C")
        pdf.ln(4 * k)
        pdf.set_font("Noto", "B", 16 * k)
        pdf.set_x(margin)
        pdf.multi_cell(inner, 8 * k, TITLE_VI, align="C")
        pdf.set_font("Noto", "", 11 * k)
        pdf.set_x(margin)
        pdf.multi_cell(inner, 5.5 * k, TITLE_EN, align="C")
        side = 110 * k
        top = pdf.get_y() + 5 * k
        _draw_qr(pdf, qr_matrix(counter.url), (width - side) / 2, top, side)
        pdf.set_xy(margin, top + side + 5 * k)
        pdf.set_font("Noto", "B", 13 * k)
        pdf.multi_cell(inner, 7 * k, counter.short_url, align="C")
        pdf.ln(4 * k)
        pdf.set_font("Noto", "", 11 * k)
        pdf.set_x(margin + 8 * k)
        pdf.multi_cell(inner - 16 * k, 5.5 * k, INSTRUCTIONS_VI, align="C")
        pdf.ln(1.5 * k)
        pdf.set_text_color(61, 69, 81)
        pdf.set_font("Noto", "", 9.5 * k)
        pdf.set_x(margin + 8 * k)
        pdf.multi_cell(inner - 16 * k, 5 * k, INSTRUCTIONS_EN, align="C")
    return bytes(pdf.output())


def _draw_qr(pdf: FPDF, matrix: list[list[bool]], x: float, y: float, side: float) -> None:
    module = side / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                # A hair of overlap keeps white seams from showing between squares on some printers.
                pdf.rect(
                    x + start * module, y + row_index * module, (col - start) * module + 0.02, module + 0.02, style="F"
                )
            else:
                col += 1
