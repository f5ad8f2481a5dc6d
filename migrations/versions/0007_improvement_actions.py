"""improvement actions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:02:07.727790
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('improvement_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=40), nullable=False),
    sa.Column('created_by', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_improvement_action_counter_id_counter'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_improvement_action_service_id_service'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_improvement_action_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_action'))
    )
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_action_unit_id'), ['unit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_action_unit_id'))

    op.drop_table('improvement_action')
