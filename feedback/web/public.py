"""The citizen's pages: the counter survey, the thank-you page and the counter's QR code."""

from __future__ import annotations

import re
import threading
import uuid

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from limits import parse as parse_limit
from markupsafe import escape

from feedback.extensions import csrf, db, limiter
from feedback.forms.survey import survey_form_class
from feedback.models import Response as ResponseRow
from feedback.services import qr
from feedback.services.errors import CounterInactive, CounterNotFound, InvalidInput
from feedback.services.responses import CONSENT_TEXTS, Submission, format_receipt, submit_response
from feedback.services.surveys import CounterView, SurveyCache
from feedback.web.citizen_csrf import make_token
from feedback.web.i18n import current_lang
from feedback.web.origin import DEVICE_COOKIE, address_key, current_origin, device_id, device_key
from feedback.web.signing import integrity_rules

bp = Blueprint("public", __name__)


def survey_cache() -> SurveyCache:
    cache = current_app.extensions.get("feedback_survey_cache")
    if cache is None:
        cache = current_app.extensions["feedback_survey_cache"] = SurveyCache(
            current_app.config["FEEDBACK_SURVEY_CACHE_SECONDS"]
        )
    return cache


def counter_or_page(code: str) -> CounterView | tuple[str, int]:
    try:
        counter = survey_cache().counter(db.session, code)
    except CounterNotFound:
        return render_template("public/unknown_counter.html", code=code), 404
    if not counter.active:
        return render_template("public/inactive_counter.html", counter=counter, lang=current_lang()), 410
    return counter


# Limits only at machine scale: many honest citizens share one address (mobile carrier NAT, an
# office's Wi-Fi), so gaming is flagged for review rather than blocked. A browser that keeps its
# device cookie is limited on its own; one that does not falls back to its address. They are checked
# in the POST branch, through the limiter's own store, so the hot GET pays nothing for them.
DEVICE_LIMIT = parse_limit("30/hour")
ADDRESS_LIMIT = parse_limit("600/hour")


def _within_citizen_limits() -> bool:
    if not limiter.enabled:
        return True
    strategy = limiter.limiter
    if request.cookies.get(DEVICE_COOKIE) and not strategy.hit(DEVICE_LIMIT, "citizen", device_key()):
        return False
    return strategy.hit(ADDRESS_LIMIT, "citizen", address_key())


@bp.route("/q/<code>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own device-bound token (feedback/web/citizen_csrf.py)
def counter_survey(code: str):  # noqa: ANN201
    if request.method == "POST" and not _within_citizen_limits():
        abort(429)
    counter = counter_or_page(code)
    if not isinstance(counter, CounterView):
        return counter
    survey = survey_cache().survey(db.session, counter.version_id)
    form_class = survey_form_class(survey)
    lang = current_lang()
    if request.method == "GET":
        device_id()  # mint the device cookie on the first visit
        page = _blank_page(counter, survey, form_class, lang)
        if page is not None:
            return page, 200, {"Cache-Control": "no-store"}
    form = form_class()
    if request.method == "GET":
        form.submission_id.data = str(uuid.uuid4())
        form.service.data = request.args.get("service", "")[:40]
    elif form.validate_on_submit():
        submission = Submission(
            submission_id=form.submission_id.data,
            answers=form.answers(),
            language=lang,
            channel="counter",
            service_code=form.service.data or None,
            contact=form.contact.data or None,
            consent_text=CONSENT_TEXTS[lang] if form.contact.data else None,
            origin=current_origin(),
        )
        try:
            stored = submit_response(db.session, code, survey, submission, integrity_rules())
        except CounterInactive:
            return render_template("public/inactive_counter.html", counter=counter, lang=lang), 410
        except CounterNotFound:
            abort(404)
        except InvalidInput:
            abort(400)
        return redirect(url_for("public.thanks", code=code, receipt=stored.receipt), code=303)
    return render_survey(form, counter, survey, lang), form_status(form), {"Cache-Control": "no-store"}


def form_status(form) -> int:  # noqa: ANN001
    """200 for a fresh form; 400 if the CSRF token failed (the page keeps the answers and a new token); else 422."""
    if request.method != "POST":
        return 200
    csrf_field = getattr(form, "csrf_token", None)
    return 400 if csrf_field is not None and csrf_field.errors else 422


def render_survey(
    form, counter: CounterView, survey, lang: str, template: str = "public/survey.html", **context
) -> str:  # noqa: ANN001, ANN003
    """The survey page (or the kiosk's) with every answer the citizen gave and an error summary."""
    return render_template(
        template,
        form=form,
        counter=counter,
        survey=survey,
        lang=lang,
        consent_text=CONSENT_TEXTS[lang],
        errors=error_summary(form),
        **context,
    )


# The blank form a citizen gets on GET differs between visits only in these hidden fields. It is
# rendered once per counter snapshot, language and path with a placeholder in each (letters and
# dashes, which HTML escaping leaves alone), and each visit fills in its own values: rendering the
# whole template every time was four fifths of the GET's cost (bench/README.md).
_SLOTS = ("csrf_token", "submission_id", "service")
_SLOT_RE = re.compile(r"feedback-slot-(csrf_token|submission_id|service)-q7x")


def _placeholder(slot: str) -> str:
    return f"feedback-slot-{slot}-q7x"


_BLANK_PAGES_MAX = 2000
_NOT_RENDERED = object()  # a page that cannot be cached is remembered as None


class _BlankPages:
    def __init__(self) -> None:
        self.pages: dict[tuple, tuple[str, ...] | None] = {}
        self.lock = threading.Lock()


def _blank_page(counter: CounterView, survey, form_class, lang: str) -> str | None:  # noqa: ANN001
    """The blank survey page for this visit, from the cached render; None when it cannot be cached."""
    config = current_app.config
    if (
        config["FEEDBACK_SURVEY_CACHE_SECONDS"] <= 0
        or not config.get("WTF_CSRF_ENABLED", True)
        or current_app.jinja_env.auto_reload
    ):
        return None
    cache = current_app.extensions.get("feedback_blank_pages")
    if cache is None:
        cache = current_app.extensions["feedback_blank_pages"] = _BlankPages()
    # Everything the template reads from the request besides the slots is in the key.
    key = (request.script_root, request.path, lang, counter, survey.version_id)
    parts = cache.pages.get(key, _NOT_RENDERED)  # one lookup: another thread may clear the dict
    if parts is _NOT_RENDERED:
        parts = _split_blank_page(form_class(), counter, survey, lang)
        with cache.lock:
            if len(cache.pages) >= _BLANK_PAGES_MAX:
                cache.pages.clear()
            cache.pages[key] = parts
    if parts is None:
        return None
    values = {
        "csrf_token": make_token(device_id()),  # what the form's csrf_token field renders
        "submission_id": str(uuid.uuid4()),
        "service": str(escape(request.args.get("service", "")[:40])),
    }
    return "".join(values[part] if i % 2 else part for i, part in enumerate(parts))


def _split_blank_page(form, counter: CounterView, survey, lang: str) -> tuple[str, ...] | None:  # noqa: ANN001
    """The page as text, slot name, text, …; None unless each slot is rendered exactly once."""
    form.csrf_token.current_token = _placeholder("csrf_token")
    form.submission_id.data = _placeholder("submission_id")
    form.service.data = _placeholder("service")
    parts = tuple(_SLOT_RE.split(render_survey(form, counter, survey, lang)))
    if sorted(parts[1::2]) != sorted(_SLOTS):
        return None
    return parts


def error_summary(form) -> list[tuple[str, str]]:  # noqa: ANN001
    """(field id, message) for each invalid field, in page order."""
    summary = []
    order = [q.code for q in form.survey.questions] + ["contact", "contact_consent", "submission_id", "website"]
    for name in order:
        field = form[name]
        for message in field.errors:
            summary.append((field.id, str(message)))
    csrf_field = getattr(form, "csrf_token", None)  # absent on the kiosk's JSON queue endpoint
    if csrf_field is not None and csrf_field.errors:
        summary.append(("survey", _("Phiên làm việc đã hết hạn. Vui lòng gửi lại.")))
    return summary


@bp.get("/q/<code>/thanks/<receipt>")
def thanks(code: str, receipt: str):  # noqa: ANN201
    from sqlalchemy import select

    from feedback.models import Counter

    found = db.session.execute(
        select(ResponseRow.receipt, ResponseRow.submitted_at)
        .join(Counter, Counter.id == ResponseRow.counter_id)
        .where(ResponseRow.receipt == receipt.upper(), Counter.code == code)
    ).first()
    if found is None:
        abort(404)
    counter = survey_cache().counter(db.session, code)
    return render_template(
        "public/thanks.html", counter=counter, receipt=format_receipt(found.receipt), lang=current_lang()
    )


@bp.get("/q/<code>/qr.<any(svg, png):fmt>")
def counter_qr(code: str, fmt: str):  # noqa: ANN201
    counter = counter_or_page(code)
    if not isinstance(counter, CounterView):
        abort(404)
    target = current_app.config["FEEDBACK_PUBLIC_URL"] + url_for("public.counter_survey", code=counter.code)
    if fmt == "svg":
        body, mimetype = qr.svg(target), "image/svg+xml"
    else:
        body, mimetype = qr.png(target, scale=qr.parse_scale(request.args.get("scale"))), "image/png"
    return Response(body, mimetype=mimetype, headers={"Cache-Control": "public, max-age=86400"})
