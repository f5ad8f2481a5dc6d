"""The baseline for bench/citizen.py: a bare Flask app serving one page the size of the citizen form.

Nothing else: no extensions, no session, no templates, no database. Served by gunicorn with the
same settings as the real app, it shows what the hardware, gunicorn and Flask cost on their own,
so the benchmark can report the app as a ratio that means the same on any machine.
"""

from __future__ import annotations

from flask import Flask

# About the size of GET /q/<counter> (9.8 KB, default template, Vietnamese): a realistic head and
# a body of labelled radio groups, so the bytes on the wire and the client's parsing cost match.
PAGE_BYTES = 9_800

_HEAD = (
    '<!doctype html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    "<title>Trung tâm Phục vụ hành chính công · Khảo sát mức độ hài lòng</title>\n"
    '</head>\n<body>\n<main>\n<h1>Trung tâm Phục vụ hành chính công</h1>\n<form method="post">\n'
)
_GROUP = (
    "<fieldset><legend>Nhìn chung, Ông/Bà hài lòng thế nào với việc giải quyết thủ tục hôm nay?</legend>"
    '<label><input type="radio" name="q" value="5"><span>Rất hài lòng</span></label>'
    '<label><input type="radio" name="q" value="4"><span>Hài lòng</span></label>'
    '<label><input type="radio" name="q" value="3"><span>Bình thường</span></label></fieldset>\n'
)
_TAIL = '<button type="submit">Gửi đánh giá</button>\n</form>\n</main>\n</body>\n</html>\n'


def _page() -> str:
    parts = [_HEAD]
    size = len(_HEAD.encode()) + len(_TAIL.encode())
    group_size = len(_GROUP.encode())
    while size + group_size <= PAGE_BYTES:
        parts.append(_GROUP)
        size += group_size
    parts.append("<!--" + "x" * max(PAGE_BYTES - size - 7, 0) + "-->")
    parts.append(_TAIL)
    return "".join(parts)


PAGE = _page()

app = Flask(__name__)


@app.get("/bare")
def bare_page():  # noqa: ANN201
    return PAGE, 200, {"Cache-Control": "no-store"}
