"""answer level counts

Summaries written before this revision have zero level counts: run `flask --app wsgi kpi rebuild`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:04:20.469843
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fact_answer_daily', schema=None) as batch_op:
        batch_op.add_column(sa.Column('l1', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('l2', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('l3', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('l4', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('l5', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('fact_answer_daily', schema=None) as batch_op:
        batch_op.drop_column('l5')
        batch_op.drop_column('l4')
        batch_op.drop_column('l3')
        batch_op.drop_column('l2')
        batch_op.drop_column('l1')

