"""Data quality: one validation per resource (report, profile, progress) and justifications.

Revision ID: 0007_validation
Revises: 0006_revision
Create Date: 2026-11-26
"""

from alembic import op

revision = "0007_validation"
down_revision = "0006_revision"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        -- The latest validation of each resource (ckanext-validation keeps one too).
        -- run_id names the queued run: a superseded or duplicated job finds it changed
        -- and leaves the row alone.
        CREATE TABLE walidata_validation (
            resource_id text PRIMARY KEY REFERENCES resource (id) ON DELETE CASCADE,
            package_id text NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            run_id text NOT NULL,
            status text NOT NULL CHECK (status IN
                ('created', 'running', 'success', 'failure', 'error')),
            fingerprint text NOT NULL,
            requested_by text,
            created timestamptz NOT NULL DEFAULT now(),
            started timestamptz,
            finished timestamptz,
            heartbeat timestamptz,
            attempts integer NOT NULL DEFAULT 0,
            rows_done bigint NOT NULL DEFAULT 0,
            bytes_done bigint NOT NULL DEFAULT 0,
            bytes_total bigint NOT NULL DEFAULT 0,
            report jsonb,
            summary jsonb,
            profile jsonb,
            error text
        );
        CREATE INDEX walidata_validation_package ON walidata_validation (package_id);
        CREATE INDEX walidata_validation_status ON walidata_validation (status, heartbeat);

        -- A walidata's written reason to ratify despite a warning, for one version of a file.
        CREATE TABLE walidata_quality_justification (
            resource_id text NOT NULL REFERENCES resource (id) ON DELETE CASCADE,
            fingerprint text NOT NULL,
            error_type text NOT NULL,
            package_id text NOT NULL REFERENCES package (id) ON DELETE CASCADE,
            justification text NOT NULL CHECK (length(btrim(justification)) > 0),
            author text NOT NULL,
            created timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (resource_id, fingerprint, error_type)
        );
        CREATE INDEX walidata_quality_justification_package
            ON walidata_quality_justification (package_id);
    """)


def downgrade():
    op.execute("DROP TABLE walidata_quality_justification; DROP TABLE walidata_validation;")
