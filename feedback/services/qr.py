"""QR codes for counters and tickets, as SVG (for print) and PNG (for screens and receipts)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported on first use: most processes (the CLI, most requests) never draw a code
    import qrcode

DEFAULT_SCALE = 10
MAX_SCALE = 40


def _code(data: str) -> qrcode.QRCode:
    import qrcode

    # Level M survives a crease or a smudge on a printed poster and keeps the code small.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def svg(data: str) -> bytes:
    """A resolution-independent SVG of ``data``."""
    from qrcode.image.svg import SvgPathImage

    buffer = io.BytesIO()
    _code(data).make_image(image_factory=SvgPathImage).save(buffer)
    return buffer.getvalue()


def png(data: str, scale: int = DEFAULT_SCALE) -> bytes:
    """A PNG of ``data`` with ``scale`` pixels per module."""
    from qrcode.image.pure import PyPNGImage

    code = _code(data)
    code.box_size = scale
    buffer = io.BytesIO()
    code.make_image(image_factory=PyPNGImage).save(buffer)
    return buffer.getvalue()


def parse_scale(raw: str | None) -> int:
    """The pixels per module asked for in a URL, kept within 1..40; anything else gives the default."""
    if raw is None or not raw.isdigit():
        return DEFAULT_SCALE
    return max(1, min(MAX_SCALE, int(raw)))
