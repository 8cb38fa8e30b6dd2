"""Klinik Walidata: review state per dataset, the append-only event log, the minutes.

Revision ID: 0005_review
Revises: 0004_reference_codes
Create Date: 2026-11-26
"""

from alembic import op

revision = "0005_review"
down_revision = "0004_reference_codes"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE walidata_review (
            package_id text PRIMARY KEY REFERENCES package (id) ON DELETE CASCADE,
            state text NOT NULL,
            round integer NOT NULL DEFAULT 0,
            submitted_by text,
            submitted_at timestamptz,
            updated_at timestamptz NOT NULL DEFAULT now(),
            revision integer NOT NULL DEFAULT 0
        );
        CREATE INDEX walidata_review_state ON walidata_review (state, updated_at);

        -- The audit trail: one row per transition, never changed afterwards.
        -- It outlives a purged dataset, so it has no foreign key.
        CREATE TABLE walidata_review_event (
            id bigserial PRIMARY KEY,
            package_id text NOT NULL,
            round integer NOT NULL,
            action text NOT NULL,
            from_state text NOT NULL,
            to_state text NOT NULL,
            actor text NOT NULL,
            actor_roles text[] NOT NULL,
            comment text NOT NULL DEFAULT '',
            findings jsonb NOT NULL DEFAULT '[]',
            checks jsonb,
            completeness integer,
            minutes_number text,
            minutes_sha256 text,
            created_at timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX walidata_review_event_package ON walidata_review_event (package_id, id);

        -- Berita acara: numbered, immutable PDFs.
        CREATE SEQUENCE IF NOT EXISTS walidata_minutes_sequence;
        CREATE TABLE walidata_minutes (
            number text PRIMARY KEY,
            package_id text NOT NULL,
            round integer NOT NULL,
            pdf bytea NOT NULL,
            sha256 text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX walidata_minutes_package ON walidata_minutes (package_id);

        CREATE OR REPLACE FUNCTION walidata_refuse_update() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: its rows cannot be changed', TG_TABLE_NAME;
        END $$;
        CREATE TRIGGER walidata_review_event_append_only BEFORE UPDATE
            ON walidata_review_event FOR EACH ROW EXECUTE FUNCTION walidata_refuse_update();
        CREATE TRIGGER walidata_minutes_append_only BEFORE UPDATE
            ON walidata_minutes FOR EACH ROW EXECUTE FUNCTION walidata_refuse_update();
    """)


def downgrade():
    op.execute("""
        DROP TABLE walidata_minutes;
        DROP SEQUENCE walidata_minutes_sequence;
        DROP TABLE walidata_review_event;
        DROP TABLE walidata_review;
        DROP FUNCTION walidata_refuse_update();
    """)
