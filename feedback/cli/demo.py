"""``demo``: a believable Khánh Hòa province with months of responses (idempotent)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.extensions import db


@click.command("demo")
@click.option("--months", default=6, show_default=True, type=click.IntRange(1, 24), help="months of responses")
@click.option("--seed", default=2026, show_default=True, type=int, help="random seed (same seed, same data)")
@with_appcontext
def demo_command(months: int, seed: int) -> None:
    """Build the demo province and demo sign-ins. Running it again changes nothing. Refused in production."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "the demo is not for production (FEEDBACK_ENV=production); it creates known passwords"
        )
    from feedback.services.demo import build_demo
    from feedback.services.directory import DirectoryImportError
    from feedback.services.surveys import NoSurveyConfigured

    try:
        result = build_demo(db.session, months=months, seed=seed, base_url=current_app.config["FEEDBACK_PUBLIC_URL"])
    except NoSurveyConfigured as exc:
        raise click.ClickException(str(exc)) from None
    except DirectoryImportError as exc:
        # The demo directory conflicts with what is stored (e.g. a demo code used for another unit's child).
        for error in exc.errors:
            click.echo(f"error: {error}", err=True)
        raise click.ClickException("the demo directory could not be imported; nothing was written") from None
    click.echo(result)
    click.echo(_demo_users())


DEMO_PASSWORD = "demo-khanh-hoa-2026"  # noqa: S105  (printed on purpose: a local demo, refused in production)
DEMO_USERS = (
    ("quanly@demo.khanhhoa.gov.vn", "manager", "KH", None),
    ("phuong@demo.khanhhoa.gov.vn", "manager", "KH-P-NHATRANG", None),
    ("canbo@demo.khanhhoa.gov.vn", "staff", "KH-SXD", "CB0003"),
)


def _demo_users() -> str:
    from sqlalchemy import select

    from feedback.models import User
    from feedback.services.users import create_user

    for email, role, unit, staff in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            create_user(db.session, email, role, unit, DEMO_PASSWORD, staff, actor="demo")
    lines = [f"sign in at {current_app.config['FEEDBACK_PUBLIC_URL']}/login with password {DEMO_PASSWORD}:"]
    lines += [f"  {email}  ({role}, {unit})" for email, role, unit, _staff in DEMO_USERS]
    return "\n".join(lines)
