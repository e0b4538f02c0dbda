"""Trigram indexes for the free-text search of requests and offers (PostgreSQL only).

The lists' `q=` filter is `icontains` on title, description and (requests) incident, which Django writes as
`UPPER("col"::text) LIKE UPPER('%word%')`. A B-tree cannot serve a leading wildcard, so every search read the
whole table (2-5 s with a million lines). A GIN index with `gin_trgm_ops` on exactly that expression,
`UPPER(col)`, serves it: the planner ORs one bitmap index scan per column (see `selectors.requests_visible_to`).

Needs the `pg_trgm` extension. It ships with PostgreSQL (contrib) and is "trusted" from PostgreSQL 13 on, so
a database owner may create it; otherwise a superuser or DBA has to run, once per database:

    CREATE EXTENSION IF NOT EXISTS pg_trgm;

If the extension is missing and cannot be created here, this migration logs a warning and skips the indexes:
search still works, only slowly. After the DBA has created the extension, apply the indexes by migrating
back and forth: `aidx migrate assistance 0002 && aidx migrate assistance` (0003 is index-only, nothing else
is undone).

The indexes are built CONCURRENTLY (the migration is not atomic), so writes go on while they are built. If a
build is interrupted, PostgreSQL leaves an INVALID index behind; drop it and migrate again.
On SQLite and other databases this migration does nothing.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

# (index name, table, column): the expression must be the one Django's icontains produces, UPPER(col::text).
INDEXES = [
    ("request_title_trgm", "assistance_assistancerequest", "title"),
    ("request_description_trgm", "assistance_assistancerequest", "description"),
    ("request_incident_trgm", "assistance_assistancerequest", "incident"),
    ("offer_title_trgm", "assistance_offer", "title"),
    ("offer_description_trgm", "assistance_offer", "description"),
]


def _has_trigram(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        logger.warning(
            "pg_trgm could not be created (%s); the search indexes are skipped and search stays slow. "
            "Have a DBA run CREATE EXTENSION pg_trgm, then migrate assistance back to 0002 and forward again.",
            str(error).strip(),
        )
        return False
    return True


def create_indexes(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or not _has_trigram(connection):
        return
    with connection.cursor() as cursor:
        for name, table, column in INDEXES:
            cursor.execute(
                f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" '
                f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
            )
        for table in {table for _, table, _ in INDEXES}:
            cursor.execute(f'ANALYZE "{table}"')  # statistics on the indexed expressions, for the estimates


def drop_indexes(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, _, _ in INDEXES:
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("assistance", "0002_list_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
