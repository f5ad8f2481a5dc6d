"""comment folded for search

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 17:48:03.901852
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _fold(text):
    # A copy of feedback.services.text.fold as it was: migrations never import app code that may change.
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


def upgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_folded', sa.Text(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, comment FROM response WHERE comment IS NOT NULL")).fetchall()
    for row_id, comment in rows:
        bind.execute(sa.text("UPDATE response SET comment_folded = :f WHERE id = :i"), {"f": _fold(comment), "i": row_id})


def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('comment_folded')

