"""summaries by grain

The daily summaries are kept at four grains (unit, counter, staff, service) instead of one row per
full group, so a KPI call reads only its grouping's rows. They are derived data: the tables are
recreated empty and `db upgrade` rebuilds them from the responses.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

GROUP = ("grain", "day", "unit_id", "counter_id", "staff_id", "service_id")


def _group_columns(with_grain: bool):
    columns = [sa.Column('id', sa.Integer(), nullable=False)]
    if with_grain:
        columns.append(sa.Column('grain', sa.String(length=8), nullable=False))
    columns += [
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('counter_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
    ]
    return columns


def _create(with_grain: bool) -> None:
    group = GROUP if with_grain else GROUP[1:]
    prefix = ("grain",) if with_grain else ()
    levels = [sa.Column(f'l{i}', sa.Integer(), server_default='0', nullable=False) for i in range(1, 6)]
    op.create_table(
        'fact_answer_daily',
        *_group_columns(with_grain),
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
    op.create_index(
        'ix_fact_answer_daily_grain_day_unit' if with_grain else 'ix_fact_answer_daily_day_unit',
        'fact_answer_daily', [*prefix, 'day', 'unit_id'],
    )
    op.create_table(
        'fact_response_daily',
        *_group_columns(with_grain),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('suspect', sa.Boolean(), nullable=False),
        sa.Column('responses', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_response_daily')),
        sa.UniqueConstraint(*group, 'status', 'suspect', name='uq_fact_response_daily_key'),
    )
    op.create_index(
        'ix_fact_response_daily_grain_day_unit' if with_grain else 'ix_fact_response_daily_day_unit',
        'fact_response_daily', [*prefix, 'day', 'unit_id'],
    )


def upgrade() -> None:
    op.drop_table('fact_answer_daily')
    op.drop_table('fact_response_daily')
    _create(with_grain=True)


def downgrade() -> None:
    op.drop_table('fact_answer_daily')
    op.drop_table('fact_response_daily')
    _create(with_grain=False)
