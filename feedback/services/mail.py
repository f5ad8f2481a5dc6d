"""Email through the configured SMTP server; without one, messages are logged instead of sent."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailSettings:
    host: str | None
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "gopy@localhost"

    @classmethod
    def from_config(cls, config) -> MailSettings:  # noqa: ANN001
        return cls(
            config.get("FEEDBACK_SMTP_HOST"),
            config.get("FEEDBACK_SMTP_PORT", 25),
            config.get("FEEDBACK_SMTP_USER"),
            config.get("FEEDBACK_SMTP_PASSWORD"),
            config.get("FEEDBACK_SMTP_STARTTLS", False),
            config.get("FEEDBACK_MAIL_FROM", "gopy@localhost"),
        )


def send_mail(settings: MailSettings, to: str, subject: str, body: str) -> bool:
    """Send one plain-text email; return False (and log) when there is no server or it fails."""
    if not settings.host:
        log.info("no SMTP server configured; not sending %r to %s", subject, to)
        return False
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=10) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not send %r to %s", subject, to)
        return False
    return True
