"""``users create|list|disable|enable``: accounts for managers, administrators, viewers and staff."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Unit, User
from feedback.models.user import ROLES
from feedback.services.errors import FeedbackError
from feedback.services.users import create_user, set_active


@click.group("users", help="User accounts.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--unit", "unit_code", required=True, help="the unit subtree the user sees")
@click.option("--staff", "staff_code", help="for --role staff: their own staff code")
@with_appcontext
def create_command(email: str, role: str, unit_code: str, staff_code: str | None) -> None:
    """Create an account; the password (12+ characters) is read from standard input."""
    password = click.get_text_stream("stdin").readline().rstrip("\n")
    try:
        user = create_user(db.session, email, role, unit_code, password, staff_code)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.email} ({role}) for {unit_code}")


@users_group.command("list")
@with_appcontext
def list_command() -> None:
    rows = db.session.execute(select(User, Unit.code).join(Unit, User.unit_id == Unit.id).order_by(User.email))
    for user, unit_code in rows:
        state = "active" if user.active else "disabled"
        click.echo(f"{user.email}  {user.role}  unit={unit_code}  {state}")


@users_group.command("disable")
@click.argument("email")
@with_appcontext
def disable_command(email: str) -> None:
    """Disable an account; its open sessions end at once."""
    try:
        set_active(db.session, email, False)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"disabled {email}")


@users_group.command("enable")
@click.argument("email")
@with_appcontext
def enable_command(email: str) -> None:
    try:
        set_active(db.session, email, True)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"enabled {email}")
