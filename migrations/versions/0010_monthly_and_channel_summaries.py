"""monthly and channel summaries

The summaries gain monthly rows (grains "m.unit", "m.staff", …, dated the month's first day) so a
KPI call over whole months reads one row per group and month instead of one per day, and a
"channel" grain (with its `channel` column in the key) for the dashboard's channel filter. They are
derived data: the tables are recreated empty and `db upgrade` rebuilds them from the responses.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 20:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _create(grain_length: int, with_channel: bool) -> None:
    group = ["grain", "day", "unit_id", "counter_id", "staff_id", "service_id"]
    if with_channel:
        group.append("channel")

    def group_columns():
        columns = [
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('grain', sa.String(length=grain_length), nullable=False),
            sa.Column('day', sa.Date(), nullable=False),
            sa.Column('unit_id', sa.Integer(), nullable=False),
            sa.Column('counter_id', sa.Integer(), nullable=False),
            sa.Column('staff_id', sa.Integer(), nullable=False),
            sa.Column('service_id', sa.Integer(), nullable=False),
        ]
        if with_channel:
            columns.append(sa.Column('channel', sa.String(length=10), server_default='', nullable=False))
        return columns

    levels = [sa.Column(f'l{i}', sa.Integer(), server_default='0', nullable=False) for i in range(1, 6)]
    op.create_table(
        'fact_answer_daily',
        *group_columns(),
        sa.Column('dimension', sa.String(length=40), nullable=False),
        sa.Column('k', sa.Integer(), nullable=False),
        sa.Column('suspect', sa.Boolean(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('satisfied', sa.Integer(), nullable=False),
        *levels,
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_answer_daily')),
        sa.UniqueConstraint(*group, 'dimension', 'k', 'suspect', name='uq_fact_answer_daily_key'),
    )
    op.create_index('ix_fact_answer_daily_grain_day_unit', 'fact_answer_daily', ['grain', 'day', 'unit_id'])
    op.create_table(
        'fact_response_daily',
        *group_columns(),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('suspect', sa.Boolean(), nullable=False),
        sa.Column('responses', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_response_daily')),
        sa.UniqueConstraint(*group, 'status', 'suspect', name='uq_fact_response_daily_key'),
    )
    op.create_index('ix_fact_response_daily_grain_day_unit', 'fact_response_daily', ['grain', 'day', 'unit_id'])


def upgrade() -> None:
    op.drop_table('fact_answer_daily')
    op.drop_table('fact_response_daily')
    _create(grain_length=12, with_channel=True)


def downgrade() -> None:
    # Empty tables of the 0009 shape: run `kpi rebuild` with that version's code afterwards.
    op.drop_table('fact_answer_daily')
    op.drop_table('fact_response_daily')
    _create(grain_length=8, with_channel=False)
