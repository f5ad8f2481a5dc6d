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
    """Build the demo province. Running it again changes nothing."""
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
