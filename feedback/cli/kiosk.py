"""``kiosk`` and ``staff``: enrol tablets, put staff on duty, set kiosk PINs."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.extensions import db
from feedback.services.errors import FeedbackError
from feedback.services.kiosk import create_enrolment, put_on_duty, revoke_devices, set_staff_pin


@click.group("kiosk", help="Kiosk tablets at counters.")
def kiosk_group() -> None:
    pass


@kiosk_group.command("enrol")
@click.argument("counter_code")
@click.option("--name", default="", help="a name for the tablet, e.g. 'Tablet quầy 3'")
@with_appcontext
def enrol_command(counter_code: str, name: str) -> None:
    """Print a one-time link (valid 24 h) that makes the browser opening it the kiosk of COUNTER_CODE."""
    try:
        token = create_enrolment(db.session, counter_code, name)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("open this link once on the tablet (valid 24 hours):")
    click.echo(f"{current_app.config['FEEDBACK_PUBLIC_URL']}/k/enrol/{token}")


@kiosk_group.command("revoke")
@click.argument("counter_code")
@with_appcontext
def revoke_command(counter_code: str) -> None:
    """Revoke every kiosk enrolled at COUNTER_CODE (a lost or replaced tablet)."""
    try:
        count = revoke_devices(db.session, counter_code)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"revoked {count} kiosk(s) at {counter_code}")


@kiosk_group.command("on-duty")
@click.argument("counter_code")
@click.option("--staff", "staff_code", help="staff code to put on duty")
@click.option("--nobody", is_flag=True, help="end the current shift")
@with_appcontext
def on_duty_command(counter_code: str, staff_code: str | None, nobody: bool) -> None:
    """Put a staff member on duty at a counter (a manager's choice), or nobody."""
    if bool(staff_code) == nobody:
        raise click.UsageError("give either --staff CODE or --nobody")
    try:
        name = put_on_duty(db.session, counter_code, None if nobody else staff_code)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{counter_code}: {name or 'nobody'} on duty")


@click.group("staff", help="Staff members.")
def staff_group() -> None:
    pass


@staff_group.command("set-pin")
@click.argument("staff_code")
@with_appcontext
def set_pin_command(staff_code: str) -> None:
    """Set the kiosk sign-in PIN (6-8 digits) of STAFF_CODE, read from standard input."""
    pin = click.get_text_stream("stdin").readline().strip()
    try:
        set_staff_pin(db.session, staff_code, pin)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"PIN set for {staff_code}")
