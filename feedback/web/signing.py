"""Signers and hashers keyed by the app's secret, made once per app."""

from __future__ import annotations

from flask import current_app

from feedback.services.integrity import Hasher, IntegrityRules
from feedback.services.kiosk import DeviceSigner
from feedback.services.tickets import TicketSigner


def _secret() -> str:
    return current_app.config.get("FEEDBACK_HASH_KEY") or current_app.config["SECRET_KEY"]


def _cached(name: str, factory):  # noqa: ANN001, ANN202
    value = current_app.extensions.get(name)
    if value is None:
        value = current_app.extensions[name] = factory()
    return value


def ticket_signer() -> TicketSigner:
    return _cached("feedback_ticket_signer", lambda: TicketSigner(current_app.config["SECRET_KEY"]))


def device_signer() -> DeviceSigner:
    return _cached("feedback_device_signer", lambda: DeviceSigner(current_app.config["SECRET_KEY"]))


def cursor_codec():  # noqa: ANN201
    from feedback.services.feed import CursorCodec

    return _cached("feedback_cursor_codec", lambda: CursorCodec(current_app.config["SECRET_KEY"]))


def hasher() -> Hasher:
    return _cached("feedback_hasher", lambda: Hasher(_secret()))


def integrity_rules() -> IntegrityRules:
    from datetime import timedelta

    config = current_app.config
    return _cached(
        "feedback_integrity_rules",
        lambda: IntegrityRules(
            burst_device_count=config["FEEDBACK_BURST_DEVICE_COUNT"],
            burst_ip_count=config["FEEDBACK_BURST_IP_COUNT"],
            burst_window=timedelta(minutes=config["FEEDBACK_BURST_WINDOW_MINUTES"]),
            kiosk_min_interval=timedelta(seconds=config["FEEDBACK_KIOSK_MIN_INTERVAL_SECONDS"]),
            off_hours_grace=timedelta(minutes=config["FEEDBACK_OFF_HOURS_GRACE_MINUTES"]),
            timezone=config["FEEDBACK_TIMEZONE"],
            case_due_working_days=config["FEEDBACK_CASE_DUE_WORKING_DAYS"],
            case_opens_on=tuple(config["FEEDBACK_CASE_OPENS_ON"]),
            case_holidays=frozenset(config["FEEDBACK_HOLIDAYS"]),
        ),
    )
