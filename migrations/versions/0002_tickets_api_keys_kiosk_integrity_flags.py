"""tickets api keys kiosk integrity flags

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 16:58:26.141001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=255), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_api_key_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_key_prefix'))
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_unit_id'), ['unit_id'], unique=False)

    op.create_table('counter_shift',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_counter_shift_counter_id_counter'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_counter_shift_staff_id_staff'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_shift'))
    )
    with op.batch_alter_table('counter_shift', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_shift_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index('uq_counter_shift_open', ['counter_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.create_table('kiosk_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('enrol_hash', sa.String(length=64), nullable=True),
    sa.Column('enrol_expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_kiosk_device_counter_id_counter'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_device')),
    sa.UniqueConstraint('enrol_hash', name=op.f('uq_kiosk_device_enrol_hash'))
    )
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_device_counter_id'), ['counter_id'], unique=False)

    op.create_table('ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name=op.f('fk_ticket_api_key_id_api_key'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_ticket_counter_id_counter'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_ticket_service_id_service'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_ticket_staff_id_staff'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ticket_unit_id_unit'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket')),
    sa.UniqueConstraint('token_id', name=op.f('uq_ticket_token_id'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_counter_id'), ['counter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_unit_id'), ['unit_id'], unique=False)

    op.create_table('response_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_response_flag_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_flag')),
    sa.UniqueConstraint('response_id', 'code', name='uq_response_flag_response_code')
    )
    with op.batch_alter_table('response_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_flag_response_id'), ['response_id'], unique=False)

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kiosk_device_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ip_hash', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('device_hash', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('suspect', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_response_device_hash'), ['device_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_response_ip_hash'), ['ip_hash'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_response_ticket_id'), ['ticket_id'])
        batch_op.create_foreign_key(batch_op.f('fk_response_ticket_id_ticket'), 'ticket', ['ticket_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_response_kiosk_device_id_kiosk_device'), 'kiosk_device', ['kiosk_device_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pin_hash', sa.String(length=255), nullable=True))

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('internal_networks', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('opening_hours', sa.String(length=500), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('opening_hours')
        batch_op.drop_column('internal_networks')

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('pin_hash')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_response_kiosk_device_id_kiosk_device'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_response_ticket_id_ticket'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_response_ticket_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_response_ip_hash'))
        batch_op.drop_index(batch_op.f('ix_response_device_hash'))
        batch_op.drop_column('suspect')
        batch_op.drop_column('device_hash')
        batch_op.drop_column('ip_hash')
        batch_op.drop_column('kiosk_device_id')
        batch_op.drop_column('ticket_id')

    with op.batch_alter_table('response_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_flag_response_id'))

    op.drop_table('response_flag')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_unit_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_counter_id'))

    op.drop_table('ticket')
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_device_counter_id'))

    op.drop_table('kiosk_device')
    with op.batch_alter_table('counter_shift', schema=None) as batch_op:
        batch_op.drop_index('uq_counter_shift_open', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_counter_shift_staff_id'))

    op.drop_table('counter_shift')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_unit_id'))

    op.drop_table('api_key')
