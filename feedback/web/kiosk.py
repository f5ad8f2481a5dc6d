"""Kiosk mode at ``/k/<counter_code>``: a tablet enrolled to one counter, facing the citizen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from feedback.extensions import csrf, db, limiter
from feedback.forms.survey import survey_form_class
from feedback.services.errors import CounterInactive, CounterNotFound, InvalidInput
from feedback.services.kiosk import (
    Kiosk,
    KioskDenied,
    SignInFailed,
    enrol_device,
    on_duty,
    peek_enrolment,
    sign_in_with_pin,
    sign_out,
    verify_device,
)
from feedback.services.responses import Submission, submit_response
from feedback.web.i18n import current_lang
from feedback.web.origin import current_origin
from feedback.web.public import counter_or_page, error_summary, form_status, render_survey, survey_cache
from feedback.web.signing import device_signer, integrity_rules

bp = Blueprint("kiosk", __name__)

KIOSK_COOKIE = "fbk_kiosk"
# Browsers cap a cookie's life at 400 days (RFC 6265bis; Chromium since version 104), so a longer
# max-age would be cut short anyway: every kiosk page view renews the cookie instead, and a tablet in
# use stays enrolled until an administrator revokes it.
KIOSK_MAX_AGE = 400 * 24 * 3600
NO_JS_IDLE_RESET = 180
# A queued answer may reach the server late; its own time counts if it is within this window.
QUEUE_WINDOW = timedelta(hours=24)


class StaffSignInForm(FlaskForm):
    staff_code = StringField()
    pin = StringField()


class EnrolForm(FlaskForm):
    pass


def _kiosk(code: str) -> Kiosk:
    device_id, secret = device_signer().read(request.cookies.get(KIOSK_COOKIE))
    kiosk = verify_device(db.session, device_id, secret, code)
    g.kiosk = kiosk
    return kiosk


def _denied(exc: KioskDenied):  # noqa: ANN202
    return render_template("kiosk/denied.html", reason=str(exc)), 403


def _device_key() -> str:
    return "kiosk:" + (request.cookies.get(KIOSK_COOKIE) or request.remote_addr or "")[:120]


def _page_settings() -> dict[str, int]:
    config = current_app.config
    return {
        # The thanks screen outlasts the minimum interval, so honest use is never flagged kiosk_interval.
        "reset_seconds": max(config["FEEDBACK_KIOSK_RESET_SECONDS"], config["FEEDBACK_KIOSK_MIN_INTERVAL_SECONDS"]),
        "idle_seconds": config["FEEDBACK_KIOSK_IDLE_SECONDS"],
        "min_interval_seconds": config["FEEDBACK_KIOSK_MIN_INTERVAL_SECONDS"],
        "idle_reset_seconds": NO_JS_IDLE_RESET,
    }


@bp.route("/k/<code>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own device-bound token (feedback/web/citizen_csrf.py)
def kiosk_survey(code: str):  # noqa: ANN201
    try:
        kiosk = _kiosk(code)
    except KioskDenied as exc:
        return _denied(exc)
    counter = counter_or_page(code)
    if isinstance(counter, tuple):
        return counter
    survey = survey_cache().survey(db.session, counter.version_id)
    form = survey_form_class(survey)()
    lang = current_lang()
    if request.method == "GET":
        form.submission_id.data = str(uuid.uuid4())
    elif form.validate_on_submit():
        try:
            submit_response(db.session, code, survey, _submission(form, lang, kiosk), integrity_rules())
        except (CounterInactive, CounterNotFound, InvalidInput):
            return redirect(url_for("kiosk.kiosk_survey", code=code), code=303)
        return redirect(url_for("kiosk.kiosk_thanks", code=code), code=303)
    duty = on_duty(db.session, kiosk.counter_id)
    body = render_survey(
        form, counter, survey, lang, template="kiosk/survey.html", duty=duty[1] if duty else None, **_page_settings()
    )
    response = make_response(body, form_status(form), {"Cache-Control": "no-store"})
    _set_device_cookie(response, request.cookies[KIOSK_COOKIE])
    return response


def _set_device_cookie(response: Response, value: str) -> None:
    response.set_cookie(
        KIOSK_COOKIE,
        value,
        max_age=KIOSK_MAX_AGE,
        httponly=True,
        samesite="Strict",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        path="/k/",
    )


def _submission(form, lang: str, kiosk: Kiosk) -> Submission:  # noqa: ANN001
    return Submission(
        submission_id=form.submission_id.data,
        answers=form.answers(),
        language=lang,
        channel="kiosk",
        origin=current_origin(kiosk_device_id=kiosk.device_id),
    )


@bp.get("/k/<code>/thanks")
def kiosk_thanks(code: str):  # noqa: ANN201
    return render_template("kiosk/thanks.html", code=code, **_page_settings()), 200, {"Cache-Control": "no-store"}


@bp.post("/k/<code>/responses")
@csrf.exempt
@limiter.limit("120/minute", key_func=_device_key)
def kiosk_submit(code: str):  # noqa: ANN201
    """The kiosk's queue sends each answer here as JSON. Cross-site requests cannot: the device cookie
    is SameSite=Strict and a JSON body with a custom header needs a CORS preflight this app never allows."""
    if request.headers.get("X-Kiosk") != "1" or not request.is_json:
        return jsonify(error={"code": "bad_request", "message": "send JSON with the X-Kiosk header"}), 400
    try:
        kiosk = _kiosk(code)
    except KioskDenied as exc:
        return jsonify(error={"code": "kiosk_denied", "message": str(exc)}), 403
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return jsonify(error={"code": "malformed_json", "message": "expected {submission_id, answers}"}), 400
    counter = counter_or_page(code)
    if isinstance(counter, tuple):
        return jsonify(error={"code": "counter_inactive", "message": "this counter is not taking feedback"}), 410
    survey = survey_cache().survey(db.session, counter.version_id)
    fields = MultiDict({k: str(v) for k, v in data["answers"].items() if isinstance(v, str | int)})
    fields["submission_id"] = str(data.get("submission_id", ""))
    form = survey_form_class(survey)(formdata=fields, meta={"csrf": False})
    if not form.validate():
        return jsonify(error={"code": "invalid_answers", "message": "; ".join(m for _, m in error_summary(form))}), 422
    lang = data.get("lang") if data.get("lang") in current_app.config["LANGUAGES"] else current_lang()
    now = datetime.now(UTC)
    answered_at = _parse_time(data.get("answered_at"))
    when = answered_at if answered_at and now - QUEUE_WINDOW <= answered_at <= now else now
    try:
        stored = submit_response(db.session, code, survey, _submission(form, lang, kiosk), integrity_rules(), now=when)
    except (CounterInactive, CounterNotFound):
        return jsonify(error={"code": "counter_inactive", "message": "this counter is not taking feedback"}), 410
    response = make_response(jsonify(receipt=stored.receipt, created=stored.created), 201 if stored.created else 200)
    # A kiosk page may stay open for months without a reload: its answers renew the device cookie too.
    _set_device_cookie(response, request.cookies[KIOSK_COOKIE])
    return response


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


@bp.route("/k/<code>/staff", methods=["GET", "POST"])
@limiter.limit("10/minute;60/hour", key_func=_device_key, methods=["POST"])
def kiosk_staff(code: str):  # noqa: ANN201
    """Staff sign in to the counter for their shift with their code and PIN, and sign out."""
    try:
        kiosk = _kiosk(code)
    except KioskDenied as exc:
        return _denied(exc)
    counter = counter_or_page(code)
    if isinstance(counter, tuple):
        return counter
    form = StaffSignInForm()
    errors: list[tuple[str, str]] = []
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("action") == "sign_out":
            sign_out(db.session, kiosk.counter_id)
            return redirect(url_for("kiosk.kiosk_survey", code=code), code=303)
        try:
            sign_in_with_pin(db.session, kiosk.counter_id, form.staff_code.data or "", form.pin.data or "")
        except SignInFailed:
            errors.append(("staff_code", _("Mã cán bộ hoặc mã PIN không đúng.")))
        else:
            return redirect(url_for("kiosk.kiosk_survey", code=code), code=303)
    elif request.method == "POST":
        errors.append(("staff_code", _("Phiên làm việc đã hết hạn. Vui lòng gửi lại.")))
    duty = on_duty(db.session, kiosk.counter_id)
    return (
        render_template(
            "kiosk/staff.html",
            form=form,
            counter=counter,
            lang=current_lang(),
            errors=errors,
            duty=duty[1] if duty else None,
        ),
        422 if errors else 200,
        {"Cache-Control": "no-store"},
    )


@bp.route("/k/enrol/<token>", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def kiosk_enrol(token: str):  # noqa: ANN201
    """The one-time link an administrator opens on the tablet; a POST uses it and sets the device cookie."""
    form = EnrolForm()
    try:
        if request.method == "GET" or not form.validate_on_submit():
            counter_code = peek_enrolment(db.session, token)
            return render_template("kiosk/enrol.html", form=form, counter_code=counter_code), 200
        device_id, secret, counter_code = enrol_device(db.session, token)
    except KioskDenied as exc:
        return _denied(exc)
    response = redirect(url_for("kiosk.kiosk_survey", code=counter_code), code=303)
    _set_device_cookie(response, device_signer().cookie(device_id, secret))
    return response
