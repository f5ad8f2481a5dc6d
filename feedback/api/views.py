"""API views: authenticate, validate the body with a schema, call one service, answer JSON."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, request, url_for
from pydantic import BaseModel, ValidationError

from feedback.api.errors import ApiError, error_response
from feedback.api.openapi import openapi_document
from feedback.api.schemas import TicketCreated, TicketRequest
from feedback.extensions import csrf, db, limiter
from feedback.services.apikeys import AuthenticationFailed, Caller, authenticate
from feedback.services.errors import Forbidden, InvalidInput, NotFound
from feedback.services.tickets import issue_ticket
from feedback.web.signing import ticket_signer

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies here: every call carries its own bearer key


def _key_for_limits() -> str:
    header = request.headers.get("Authorization", "")
    parts = header.partition(" ")[2].split("_", 2)
    return f"key:{parts[1]}" if len(parts) == 3 else f"ip:{request.remote_addr}"


def require_scope(scope: str):  # noqa: ANN201
    def decorator(view):  # noqa: ANN001, ANN202
        @wraps(view)
        def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            try:
                caller = authenticate(db.session, request.headers.get("Authorization"))
            except AuthenticationFailed as exc:
                raise ApiError(401, "unauthorized", exc.reason, {"WWW-Authenticate": "Bearer"}) from None
            if scope not in caller.scopes:
                raise ApiError(403, "insufficient_scope", f"this key lacks the {scope} scope")
            g.caller = caller
            return view(*args, **kwargs)

        return wrapped

    return decorator


def parse_body(model: type[BaseModel]) -> Any:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "malformed_json", "the body is not valid JSON")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise ApiError(422, "invalid_body", problems) from None


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):  # noqa: ANN202
    return error_response(exc.status, exc.code, exc.message, exc.headers)


@bp.get("/openapi.json")
def openapi():  # noqa: ANN201
    return openapi_document(current_app.config["FEEDBACK_PUBLIC_URL"])


@bp.post("/tickets")
@limiter.limit("600/minute", key_func=_key_for_limits)
@require_scope("tickets:write")
def create_ticket():  # noqa: ANN201
    body: TicketRequest = parse_body(TicketRequest)
    caller: Caller = g.caller
    try:
        issued = issue_ticket(
            db.session,
            ticket_signer(),
            scope_unit_id=caller.unit_id,
            counter_code=body.counter,
            staff_code=body.staff,
            service_code=body.service,
            reference=body.reference,
            ttl_minutes=body.ttl_minutes,
            api_key_id=caller.key_id,
        )
    except NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except Forbidden as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except InvalidInput as exc:
        raise ApiError(422, "invalid_body", str(exc)) from None
    base = current_app.config["FEEDBACK_PUBLIC_URL"]
    created = TicketCreated(
        token=issued.token,
        url=base + url_for("tickets.ticket_survey", token=issued.token),
        expires_at=issued.expires_at,
        qr_svg=base + url_for("tickets.ticket_qr", token=issued.token, fmt="svg"),
        qr_png=base + url_for("tickets.ticket_qr", token=issued.token, fmt="png"),
    )
    return created.model_dump(mode="json"), 201
