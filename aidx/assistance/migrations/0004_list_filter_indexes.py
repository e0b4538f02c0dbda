"""Indexes for the lists' filters and their need-to-know test (PostgreSQL only).

A list page runs two queries: a count that stops at 10,001 rows (aidx.core.paging.capped_count) and the page in
newest-first order. For a viewer other than the centre every row passes need-to-know, which reads the record's
releasability, owner nation, owner organisation and status, and probes the record's named nations. Where a
filter's rows lie scattered over the table, fetching each from the heap for that test was most of the count:
these indexes INCLUDE the test's columns, so the count reads the filter's range of one index (index-only).
Timings below are EXPLAIN ANALYZE on the benchmark's million lines, for an ally or the partner, same conditions.

- `request_priority_newest`: (priority, created_at DESC, id DESC). Count of `priority=1` 16-26 ms -> 7 ms; the
  page walks the same index in list order.
- `request_needed_newest`: (needed_by, created_at DESC, id DESC). Counts a needed_by range; a list page reads
  the range one day at a time, each day in list order (selectors.requests_by_day): 45 ms -> 3 ms.
- `request_nation_cover`, `offer_nation_cover`: (owner_nation_id, created_at DESC, id DESC), the key of the
  models' *_nation_newest, which cannot answer the test alone. Count of `nation=USA` (offers) 49 ms -> 14 ms.
  (*_nation_newest are now redundant; dropping them is a change of the models' Meta.indexes.)
- `request_id_cover`, `offer_id_cover`: (id). The item filter is a semi-join of the records with their lines,
  merged in id order; reading the records' side from this index instead of the heap: 55-71 ms -> 27 ms.
- `*_release_nation`: (nation, record) on the named-nations tables. Need-to-know hashes "the records released to
  my nation" once per query; the index on nation alone fetched each row from the heap (1,000 rows over 280
  pages), this one answers from the index.
- Statistics: the search's trigram indexes (0003) get a 500-value histogram of their expression, UPPER(col).
  The planner estimates `UPPER(title) LIKE '%WORD%'` by matching the pattern against that histogram; with 100
  values a word in 1.6 % of the titles ("ventilator") was found in none of them or in several, depending on
  the sample, and the plan flipped between walking the list in order until 50 matches (9 ms) and fetching
  every match to sort it (53 ms). 500 values estimate it within a few percent (7,050 for 7,433).

The columns are plain, but INCLUDE and CONCURRENTLY are PostgreSQL's, so on SQLite this migration does nothing
(its lists are small). Built CONCURRENTLY, as 0003: if a build is interrupted, drop the INVALID index it leaves
and migrate again.
"""

from django.db import migrations

NEED_TO_KNOW = "releasability, owner_nation_id, owner_organisation_id, status"
BUT_NATION = "releasability, owner_organisation_id, status"  # with the owner nation as the key
REQUESTS, OFFERS = "assistance_assistancerequest", "assistance_offer"

INDEXES = {
    "request_priority_newest": f"{REQUESTS} (priority, created_at DESC, id DESC) INCLUDE ({NEED_TO_KNOW})",
    "request_needed_newest": f"{REQUESTS} (needed_by, created_at DESC, id DESC) INCLUDE ({NEED_TO_KNOW})",
    "request_nation_cover": f"{REQUESTS} (owner_nation_id, created_at DESC, id DESC) INCLUDE ({BUT_NATION})",
    "offer_nation_cover": f"{OFFERS} (owner_nation_id, created_at DESC, id DESC) INCLUDE ({BUT_NATION})",
    "request_id_cover": f"{REQUESTS} (id) INCLUDE ({NEED_TO_KNOW})",
    "offer_id_cover": f"{OFFERS} (id) INCLUDE ({NEED_TO_KNOW})",
    "request_release_nation": "assistance_assistancerequest_release_to (nation_id, assistancerequest_id)",
    "offer_release_nation": "assistance_offer_release_to (nation_id, offer_id)",
}
SEARCH_INDEXES = [  # made by 0003 when pg_trgm is there
    "request_title_trgm",
    "request_description_trgm",
    "request_incident_trgm",
    "offer_title_trgm",
    "offer_description_trgm",
]
SEARCH_STATISTICS = 500
TABLES = [REQUESTS, OFFERS, "assistance_assistancerequest_release_to", "assistance_offer_release_to"]


def create_indexes(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, definition in INDEXES.items():
            cursor.execute(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON {definition}')
        for name in SEARCH_INDEXES:
            cursor.execute(f'ALTER INDEX IF EXISTS "{name}" ALTER COLUMN 1 SET STATISTICS {SEARCH_STATISTICS}')
        for table in TABLES:
            cursor.execute(f'ANALYZE "{table}"')


def drop_indexes(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        for name in SEARCH_INDEXES:
            cursor.execute(f'ALTER INDEX IF EXISTS "{name}" ALTER COLUMN 1 SET STATISTICS -1')


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("assistance", "0003_search_trigram_indexes"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
