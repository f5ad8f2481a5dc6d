"""``cases digest``: the daily email to managers about new negative feedback in their units."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import User
from feedback.services.cases import digest_lines
from feedback.services.mail import MailSettings, send_mail


@click.group("cases", help="Follow-up cases.")
def cases_group() -> None:
    pass


@cases_group.command("digest")
@click.option("--day", help="the local day to report (default: yesterday), YYYY-MM-DD")
@with_appcontext
def digest_command(day: str | None) -> None:
    """Email each active manager the cases opened on the day in their units (run it daily from cron)."""
    tz = current_app.config["FEEDBACK_TIMEZONE"]
    if day:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter(f"{day!r} is not a date (YYYY-MM-DD)", param_hint="--day") from None
    else:
        when = datetime.now(ZoneInfo(tz)).date() - timedelta(days=1)
    settings = MailSettings.from_config(current_app.config)
    sent = 0
    for user in db.session.scalars(select(User).where(User.active.is_(True), User.role.in_(("admin", "manager")))):
        lines = digest_lines(db.session, user.unit_id, when, tz)
        if not lines:
            continue
        link = current_app.config["FEEDBACK_PUBLIC_URL"] + "/manage/cases"
        body = f"Phản ánh tiêu cực mới ngày {when:%d/%m/%Y}: {len(lines)}\n\n" + "\n".join(lines) + f"\n\n{link}\n"
        if send_mail(settings, user.email, f"Phản ánh mới ngày {when:%d/%m/%Y} ({len(lines)})", body):
            sent += 1
        else:
            click.echo(f"not sent to {user.email} (no SMTP server, or it failed)", err=True)
    click.echo(f"digest for {when.isoformat()}: {sent} email(s) sent")
