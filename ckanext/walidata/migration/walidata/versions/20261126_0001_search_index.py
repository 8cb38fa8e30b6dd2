"""The PostgreSQL search index table and its helper functions.

Revision ID: 0001_search_index
Revises:
Create Date: 2026-11-26
"""

from alembic import op

revision = "0001_search_index"
down_revision = None
branch_labels = None
depends_on = None

FUNCTIONS = r"""
-- Analyse text the way the search does: exact words ('simple') plus
-- Indonesian and English stems, so "kesehatan" also finds "sehat".
CREATE OR REPLACE FUNCTION walidata_tsvector(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_tsvector('simple', coalesce(body, ''))
        || to_tsvector('indonesian', coalesce(body, ''))
        || to_tsvector('english', coalesce(body, ''))
$$;

-- Every value of a document field as text, whether stored as a scalar or a list.
CREATE OR REPLACE FUNCTION walidata_values(value jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT jsonb_array_elements_text(CASE
        WHEN value IS NULL OR jsonb_typeof(value) = 'null' THEN '[]'::jsonb
        WHEN jsonb_typeof(value) = 'array' THEN value
        ELSE jsonb_build_array(value) END)
$$;

-- A number or NULL: range filters must not fail on a field holding words.
CREATE OR REPLACE FUNCTION walidata_number(value text) RETURNS float8
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF value ~ '^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$' THEN
        RETURN value::float8;
    END IF;
    RETURN NULL;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

-- A timestamp or NULL, for *_date fields.
CREATE OR REPLACE FUNCTION walidata_timestamp(value text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN value::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
"""


def upgrade():
    op.execute(FUNCTIONS)
    op.execute("""
        CREATE TABLE walidata_search_doc (
            id text PRIMARY KEY,
            site_id text NOT NULL,
            name text,
            title_string text,
            state text,
            capacity text,
            dataset_type text,
            metadata_created timestamptz,
            metadata_modified timestamptz,
            permission_labels text[] NOT NULL DEFAULT '{}',
            minx float8, maxx float8, miny float8, maxy float8, bbox_area float8,
            search_vector tsvector NOT NULL,
            doc jsonb NOT NULL,
            data_dict text,
            validated_data_dict text,
            indexed_at timestamptz NOT NULL DEFAULT now()
        )
    """)
    op.execute("CREATE INDEX walidata_search_doc_vector ON walidata_search_doc "
               "USING gin (search_vector)")
    op.execute("CREATE INDEX walidata_search_doc_doc ON walidata_search_doc "
               "USING gin (doc jsonb_path_ops)")
    op.execute("CREATE INDEX walidata_search_doc_labels ON walidata_search_doc "
               "USING gin (permission_labels)")
    op.execute("CREATE INDEX walidata_search_doc_modified ON walidata_search_doc "
               "(metadata_modified DESC)")
    op.execute("CREATE INDEX walidata_search_doc_title ON walidata_search_doc "
               "(title_string COLLATE \"C\")")
    op.execute("CREATE INDEX walidata_search_doc_name ON walidata_search_doc (name)")
    op.execute("CREATE INDEX walidata_search_doc_bbox ON walidata_search_doc "
               "(minx, maxx, miny, maxy) WHERE minx IS NOT NULL")


def downgrade():
    op.execute("DROP TABLE IF EXISTS walidata_search_doc")
    op.execute("DROP FUNCTION IF EXISTS walidata_tsvector(text), walidata_values(jsonb), "
               "walidata_number(text), walidata_timestamp(text)")
