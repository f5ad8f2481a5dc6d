"""follow up cases

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:54:59.075540
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('follow_up_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_follow_up_case_assignee_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_follow_up_case_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_follow_up_case_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_case')),
    sa.UniqueConstraint('response_id', name=op.f('uq_follow_up_case_response_id'))
    )
    with op.batch_alter_table('follow_up_case', schema=None) as batch_op:
        batch_op.create_index('ix_follow_up_case_unit_state', ['unit_id', 'state'], unique=False)

    op.create_table('case_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['follow_up_case.id'], name=op.f('fk_case_note_case_id_follow_up_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note'))
    )
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_note_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_note_case_id'))

    op.drop_table('case_note')
    with op.batch_alter_table('follow_up_case', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_case_unit_state')

    op.drop_table('follow_up_case')
