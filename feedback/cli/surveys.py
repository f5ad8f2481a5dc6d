"""``surveys import|export|assign``: survey templates as JSON, and which unit subtree uses which."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from feedback.extensions import db
from feedback.services.errors import FeedbackError
from feedback.services.templates import assign_template, export_template, import_template


@click.group("surveys", help="Survey templates.")
def surveys_group() -> None:
    pass


@surveys_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def import_command(file: str) -> None:
    """Import a template from FILE.json (format: docs/survey-templates.md)."""
    try:
        with open(file, encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read the file ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{file}: not valid JSON ({exc})") from None
    try:
        result = import_template(db.session, data)
    except FeedbackError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    state = "new version" if result.created else "unchanged, latest version"
    click.echo(f"template {result.template_code}: {state} {result.version_number}")


@surveys_group.command("export")
@click.argument("template")
@with_appcontext
def export_command(template: str) -> None:
    """Print the latest version of TEMPLATE as JSON in the import format."""
    try:
        click.echo(json.dumps(export_template(db.session, template), ensure_ascii=False, indent=2))
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None


@surveys_group.command("assign")
@click.argument("template")
@click.option("--unit", "unit_code", required=True, help="code of the unit whose subtree uses TEMPLATE")
@with_appcontext
def assign_command(template: str, unit_code: str) -> None:
    """Make TEMPLATE the survey for the subtree of --unit (the nearest assignment up the tree wins)."""
    try:
        assign_template(db.session, template, unit_code)
    except FeedbackError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"template {template} assigned to {unit_code} and the units below it")
