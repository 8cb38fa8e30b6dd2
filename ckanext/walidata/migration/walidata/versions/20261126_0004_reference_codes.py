"""Reference code tables (kode wilayah, urusan pemerintahan), loaded with the shipped lists.

``ckan db upgrade`` leaves a ready table: validators and autocomplete need the codes from
the first request. The load goes through ckanext.walidata.reference.load, which writes
only the columns created here; later revisions that change these tables must keep it
working at this revision or stop calling it.

Revision ID: 0004_reference_codes
Revises: 0003_search_text
Create Date: 2026-11-26
"""

from alembic import op

revision = "0004_reference_codes"
down_revision = "0003_search_text"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE walidata_reference_code (
            scheme text NOT NULL,
            -- Byte-wise order: the primary key then serves code-prefix searches
            -- (LIKE '53.7%') and code order follows the hierarchy.
            code text COLLATE "C" NOT NULL,
            name text NOT NULL,
            level text NOT NULL,
            parent text COLLATE "C",
            PRIMARY KEY (scheme, code)
        );
        -- Word-prefix name search ("kab kup" finds "Kabupaten Kupang"), no extension needed.
        CREATE INDEX walidata_reference_code_name ON walidata_reference_code
            USING gin (to_tsvector('simple'::regconfig, name));
        CREATE INDEX walidata_reference_code_parent ON walidata_reference_code (scheme, parent);

        CREATE TABLE walidata_reference_load (
            scheme text PRIMARY KEY,
            version bigint NOT NULL,
            loaded_at timestamptz NOT NULL,
            row_count integer NOT NULL,
            source text
        );
    """)
    if op.get_context().as_sql:
        # Offline (--sql) mode has no connection to load through.
        op.execute("-- then run: ckan walidata refdata load")
        return
    from ckanext.walidata import reference

    reference.load(op.get_bind())


def downgrade():
    op.execute("DROP TABLE IF EXISTS walidata_reference_load")
    op.execute("DROP TABLE IF EXISTS walidata_reference_code")
