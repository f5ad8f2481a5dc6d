"""Counter posters to print: a browser print page and the same as one PDF.

They show only what is printed on the wall anyway (unit, counter names and the public QR code), so
they need no sign-in; managers' pages will link here once they exist.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request

from feedback.extensions import db
from feedback.services import qr
from feedback.services.errors import NotFound
from feedback.services.posters import INSTRUCTIONS_EN, INSTRUCTIONS_VI, SIZES, TITLE_EN, TITLE_VI, poster_counters
from feedback.services.posters import render_pdf as render_posters_pdf

bp = Blueprint("posters", __name__)


def _counters(unit_code: str):  # noqa: ANN202
    try:
        counters = poster_counters(db.session, unit_code, current_app.config["FEEDBACK_PUBLIC_URL"])
    except NotFound:
        abort(404)
    if not counters:
        abort(404)
    return counters


def _size() -> str:
    size = request.args.get("size", "a4").lower()
    return size if size in SIZES else "a4"


@bp.get("/posters/<unit_code>")
def print_page(unit_code: str):  # noqa: ANN201
    counters = _counters(unit_code)
    svgs = []
    for counter in counters:
        svg = qr.svg(counter.url).decode("utf-8")
        svgs.append(svg[svg.index("<svg") :])
    return render_template(
        "posters/print.html",
        posters=list(zip(counters, svgs, strict=True)),
        size=_size(),
        unit_code=unit_code,
        title_vi=TITLE_VI,
        title_en=TITLE_EN,
        instructions_vi=INSTRUCTIONS_VI,
        instructions_en=INSTRUCTIONS_EN,
    )


@bp.get("/posters/<unit_code>.pdf")
def pdf(unit_code: str):  # noqa: ANN201
    size = _size()
    body = render_posters_pdf(_counters(unit_code), size)
    return Response(
        body,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="posters-{unit_code}-{size}.pdf"',
            "Cache-Control": "no-store",
        },
    )
