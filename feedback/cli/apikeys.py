"""``apikeys create|list|revoke``: keys for KPI systems and the one-stop-shop software."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from feedback.extensions import db
from feedback.models.access import SCOPES
from feedback.services.apikeys import create_api_key, list_api_keys, revoke_api_key
from feedback.services.errors import FeedbackError


@click.group("apikeys", help="API keys.")
def apikeys_group() -> None:
    pass


@apikeys_group.command("create")
@click.argument("name")
@click.option("--unit", "unit_code", required=True, help="the unit subtree the key may see and act on")
@click.option("--scopes", required=True, help=f"comma-separated: {','.join(SCOPES)}")
@with_appcontext
def create_command(name: str, unit_code: str, scopes: str) -> None:
    """Create a key. It is printed once, on the last line, and cannot be shown again."""
    try:
        key, text = create_api_key(db.session, name, unit_code, scopes)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created key {key.prefix} ({key.name}) for {unit_code} with scopes {key.scopes}")
    click.echo("store it now; it will not be shown again:")
    click.echo(text)


@apikeys_group.command("list")
@with_appcontext
def list_command() -> None:
    """List keys (never their secret part)."""
    rows = list_api_keys(db.session)
    if not rows:
        click.echo("no API keys")
        return
    for key, unit_code in rows:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"last used {key.last_used_at:%Y-%m-%d %H:%M}Z" if key.last_used_at else "never used"
        click.echo(f"{key.prefix}  {key.name}  unit={unit_code}  scopes={key.scopes}  {state}  {used}")


@apikeys_group.command("revoke")
@click.argument("prefix")
@with_appcontext
def revoke_command(prefix: str) -> None:
    """Revoke the key with PREFIX (the 8 characters after fbk_); it stops working at once."""
    try:
        key = revoke_api_key(db.session, prefix)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"revoked key {key.prefix} ({key.name})")
