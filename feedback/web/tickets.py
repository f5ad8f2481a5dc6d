"""The one-time ticket pages: ``/t/<token>`` survey, its QR codes and an 80 mm receipt slip."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from feedback.extensions import csrf, db, limiter
from feedback.forms.survey import survey_form_class
from feedback.services import qr
from feedback.services.errors import CounterNotFound, InvalidInput, TicketInvalid
from feedback.services.responses import CONSENT_TEXTS, Submission, stored_submission, submit_response
from feedback.services.tickets import TicketView, open_ticket
from feedback.web.i18n import current_lang
from feedback.web.origin import current_origin
from feedback.web.public import form_status, render_survey, survey_cache
from feedback.web.signing import integrity_rules, ticket_signer

bp = Blueprint("tickets", __name__)

STATUS = {"forged": 404, "unknown": 404, "used": 410, "expired": 410}


def _invalid(exc: TicketInvalid):  # noqa: ANN202
    return render_template("tickets/invalid.html", state=exc.state, lang=current_lang()), STATUS[exc.state]


def _token_key() -> str:
    return "ticket:" + (request.view_args or {}).get("token", "")[:80]


def _served(view: TicketView, lang: str) -> dict[str, str | None]:
    service = view.service_name_en if lang == "en" and view.service_name_en else view.service_name_vi
    return {"staff_name": view.staff_name, "service_name": service}


@bp.route("/t/<token>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own device-bound token (feedback/web/citizen_csrf.py)
@limiter.limit("30/minute", key_func=_token_key, methods=["POST"])
def ticket_survey(token: str):  # noqa: ANN201
    """A ticket is its own rate limit: it stores one response, so no address-based limit applies."""
    try:
        view = open_ticket(db.session, ticket_signer(), token)
        counter = survey_cache().counter(db.session, view.counter_code)
    except TicketInvalid as exc:
        if exc.state == "used" and request.method == "POST":
            # A double tap or a retried request: the first of them used the ticket; show its receipt.
            stored = stored_submission(db.session, request.form.get("submission_id", "")[:36])
            if stored is not None:
                return redirect(url_for("public.thanks", code=stored[0], receipt=stored[1]), code=303)
        return _invalid(exc)
    except CounterNotFound:
        abort(404)
    survey = survey_cache().survey(db.session, counter.version_id)
    form = survey_form_class(survey)()
    lang = current_lang()
    if request.method == "GET":
        form.submission_id.data = str(uuid.uuid4())
    elif form.validate_on_submit():
        submission = Submission(
            submission_id=form.submission_id.data,
            answers=form.answers(),
            language=lang,
            channel="ticket",
            ticket_id=view.id,
            contact=form.contact.data or None,
            consent_text=CONSENT_TEXTS[lang] if form.contact.data else None,
            origin=current_origin(),
        )
        try:
            stored = submit_response(db.session, view.counter_code, survey, submission, integrity_rules())
        except TicketInvalid as exc:
            return _invalid(exc)
        except InvalidInput:
            abort(400)
        return redirect(url_for("public.thanks", code=view.counter_code, receipt=stored.receipt), code=303)
    body = render_survey(form, counter, survey, lang, served=_served(view, lang))
    return body, form_status(form), {"Cache-Control": "no-store"}


def _ticket_url(token: str) -> str:
    return current_app.config["FEEDBACK_PUBLIC_URL"] + url_for("tickets.ticket_survey", token=token)


@bp.get("/t/<token>/qr.<any(svg, png):fmt>")
def ticket_qr(token: str, fmt: str):  # noqa: ANN201
    try:
        open_ticket(db.session, ticket_signer(), token)
    except TicketInvalid as exc:
        abort(STATUS[exc.state])
    if fmt == "svg":
        body, mimetype = qr.svg(_ticket_url(token)), "image/svg+xml"
    else:
        body, mimetype = qr.png(_ticket_url(token), scale=qr.parse_scale(request.args.get("scale"))), "image/png"
    return Response(body, mimetype=mimetype, headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/t/<token>/slip")
def ticket_slip(token: str):  # noqa: ANN201
    """A receipt slip for an 80 mm thermal printer: the QR, what was served, and how long it is valid."""
    try:
        view = open_ticket(db.session, ticket_signer(), token)
        counter = survey_cache().counter(db.session, view.counter_code)
    except TicketInvalid as exc:
        return _invalid(exc)
    qr_svg = qr.svg(_ticket_url(token)).decode("utf-8")
    qr_svg = qr_svg[qr_svg.index("<svg") :]  # inline, without the XML declaration
    return (
        render_template(
            "tickets/slip.html",
            view=view,
            counter=counter,
            served=_served(view, "vi"),
            qr_svg=qr_svg,
            url=_ticket_url(token),
            tz=current_app.config["FEEDBACK_TIMEZONE"],
        ),
        200,
        {"Cache-Control": "no-store"},
    )
