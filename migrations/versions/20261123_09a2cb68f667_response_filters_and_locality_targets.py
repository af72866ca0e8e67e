"""response filters and locality targets

Locality.target for the representation monitor. Indexes for the staff
responses list: keyset paging of a consultation's responses by
(status, submitted_at, id), the same narrowed to one channel or one locality,
and filtering and counting responses by stakeholder group.

Revision ID: 09a2cb68f667
Revises: 41b752ac79d9
Create Date: 2026-11-23 06:06:22.085899

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '09a2cb68f667'
down_revision = '41b752ac79d9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target', sa.Integer(), nullable=True))

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_channel', ['consultation_id', 'status', 'channel', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_response_listing', ['consultation_id', 'status', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_response_locality', ['consultation_id', 'status', 'locality_id', 'locality_other', 'submitted_at', 'id'], unique=False)

    with op.batch_alter_table('response_group', schema=None) as batch_op:
        batch_op.create_index('ix_response_group_group_id', ['group_id', 'response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('response_group', schema=None) as batch_op:
        batch_op.drop_index('ix_response_group_group_id')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_locality')
        batch_op.drop_index('ix_response_listing')
        batch_op.drop_index('ix_response_channel')

    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.drop_column('target')
