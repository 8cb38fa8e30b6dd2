"""Move the text vectors into a narrow table of their own, with a small ranking vector.

A free-text search reads one narrow row per match (document number, ranking
vector) instead of a wide document row, and ranks on the fields Solr's dismax
weighs (title, name, tags, groups, organization, the start of the notes).

Revision ID: 0003_search_text
Revises: 0002_search_memory
Create Date: 2026-11-26
"""

from alembic import op

revision = "0003_search_text"
down_revision = "0002_search_memory"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        CREATE TABLE walidata_search_text (
            docnum integer PRIMARY KEY
                REFERENCES walidata_search_doc (docnum) ON DELETE CASCADE,
            search_vector tsvector NOT NULL,
            rank_vector tsvector NOT NULL
        );
        INSERT INTO walidata_search_text (docnum, search_vector, rank_vector)
        SELECT docnum, search_vector,
               setweight(walidata_tsvector(doc ->> 'title'), 'A')
               || setweight(walidata_tsvector(concat_ws(' ', name, doc ->> 'tags',
                                                        doc ->> 'groups',
                                                        doc ->> 'organization')), 'B')
               || setweight(walidata_tsvector(left(doc ->> 'notes', 300)), 'C')
        FROM walidata_search_doc;
        CREATE INDEX walidata_search_text_vector ON walidata_search_text
            USING gin (search_vector);
        ALTER TABLE walidata_search_doc DROP COLUMN search_vector;
        -- A dataset has a handful of values per field, not the 1000 rows the
        -- planner assumes for a set-returning function.
        ALTER FUNCTION walidata_values(jsonb) ROWS 4;
    """)


def downgrade():
    op.execute("""
        ALTER TABLE walidata_search_doc ADD COLUMN search_vector tsvector;
        UPDATE walidata_search_doc d SET search_vector = t.search_vector
            FROM walidata_search_text t WHERE t.docnum = d.docnum;
        UPDATE walidata_search_doc SET search_vector = ''::tsvector
            WHERE search_vector IS NULL;
        ALTER TABLE walidata_search_doc ALTER COLUMN search_vector SET NOT NULL;
        CREATE INDEX walidata_search_doc_vector ON walidata_search_doc
            USING gin (search_vector);
        DROP TABLE walidata_search_text;
        ALTER FUNCTION walidata_values(jsonb) ROWS 1000;
    """)
