"""kpi summaries rules volumes audit

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 17:23:08.901530
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target', sa.String(length=255), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_at', ['at'], unique=False)

    op.create_table('fact_answer_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('suspect', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_answer_daily')),
    sa.UniqueConstraint('day', 'unit_id', 'counter_id', 'staff_id', 'service_id', 'dimension', 'k', 'suspect', name='uq_fact_answer_daily_key')
    )
    with op.batch_alter_table('fact_answer_daily', schema=None) as batch_op:
        batch_op.create_index('ix_fact_answer_daily_day_unit', ['day', 'unit_id'], unique=False)

    op.create_table('fact_response_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('suspect', sa.Boolean(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fact_response_daily')),
    sa.UniqueConstraint('day', 'unit_id', 'counter_id', 'staff_id', 'service_id', 'status', 'suspect', name='uq_fact_response_daily_key')
    )
    with op.batch_alter_table('fact_response_daily', schema=None) as batch_op:
        batch_op.create_index('ix_fact_response_daily_day_unit', ['day', 'unit_id'], unique=False)

    op.create_table('kpi_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_rules')),
    sa.UniqueConstraint('version', name=op.f('uq_kpi_rules_version'))
    )
    op.create_table('transaction_volume',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('transactions', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_transaction_volume_unit_id_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transaction_volume')),
    sa.UniqueConstraint('unit_id', 'day', 'service_id', name='uq_transaction_volume_key')
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excluded_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('excluded_by', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('excluded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_response_updated_at'), ['updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_updated_at'))
        batch_op.drop_column('excluded_at')
        batch_op.drop_column('excluded_by')
        batch_op.drop_column('excluded_reason')

    op.drop_table('transaction_volume')
    op.drop_table('kpi_rules')
    with op.batch_alter_table('fact_response_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_fact_response_daily_day_unit')

    op.drop_table('fact_response_daily')
    with op.batch_alter_table('fact_answer_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_fact_answer_daily_day_unit')

    op.drop_table('fact_answer_daily')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_at')

    op.drop_table('audit_event')
