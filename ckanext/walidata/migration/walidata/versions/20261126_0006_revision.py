"""Revisions: a new period of a published dataset is reviewed on a private copy.

Revision ID: 0006_revision
Revises: 0005_review
Create Date: 2026-11-26
"""

from alembic import op

revision = "0006_revision"
down_revision = "0005_review"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE walidata_revision (
            revision_id text PRIMARY KEY REFERENCES package (id) ON DELETE CASCADE,
            original_id text NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX walidata_revision_original ON walidata_revision (original_id);
    """)


def downgrade():
    op.execute("DROP TABLE walidata_revision")
