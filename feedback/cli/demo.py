"""``demo``: a believable Khánh Hòa province with months of responses (idempotent)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from feedback.extensions import db


@click.command("demo")
@click.option("--months", default=6, show_default=True, type=click.IntRange(1, 24), help="months of responses")
@click.option("--seed", default=2026, show_default=True, type=int, help="random seed (same seed, same data)")
@with_appcontext
def demo_command(months: int, seed: int) -> None:
    """Build the demo province. Running it again changes nothing."""
    from feedback.services.demo import build_demo

    result = build_demo(db.session, months=months, seed=seed)
    click.echo(result)
