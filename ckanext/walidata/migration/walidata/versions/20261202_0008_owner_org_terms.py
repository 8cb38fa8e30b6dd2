"""Search: owner_org joins the in-memory term index; existing rows get its term.

New and re-indexed rows carry it from the indexer; this fills in the rows indexed
before, so that a portal needs no search-index rebuild for the upgrade.

Revision ID: 0008_owner_org_terms
Revises: 0007_validation
Create Date: 2026-12-02
"""

from alembic import op

revision = "0008_owner_org_terms"
down_revision = "0007_validation"
branch_labels = None
depends_on = None

TERM = "'owner_org' || chr(31) || (doc ->> 'owner_org')"


def upgrade():
    op.execute(f"""
        UPDATE walidata_search_doc SET facet_terms = facet_terms || ARRAY[{TERM}]
        WHERE coalesce(doc ->> 'owner_org', '') <> ''
          AND NOT ({TERM}) = ANY(facet_terms)""")


def downgrade():
    op.execute("""
        UPDATE walidata_search_doc SET facet_terms = ARRAY(
            SELECT t FROM unnest(facet_terms) t
            WHERE t NOT LIKE 'owner\\_org' || chr(31) || '%')""")
