"""The fund's ledger in the database itself.

- PostgreSQL: a deferred constraint trigger checks at commit that every transaction's postings sum to zero, so
  no code path (not even raw SQL) can commit an unbalanced booking.
- Transactions and postings are append-only: UPDATE refused on both engines, DELETE on PostgreSQL (TRUNCATE,
  the test runner's flush, stays possible). A correction is a new transaction.
"""

from django.db import migrations

TABLES = ("fund_transaction", "fund_posting")

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION fund_transaction_balanced() RETURNS trigger AS $$
DECLARE
    total bigint;
BEGIN
    SELECT COALESCE(SUM(amount_minor), 0) INTO total FROM fund_posting WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'fund transaction % does not balance: postings sum to %', NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER fund_posting_balanced AFTER INSERT ON fund_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fund_transaction_balanced();
CREATE OR REPLACE FUNCTION fund_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the fund ledger is append-only';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION fund_append_only();\n"
    for t in TABLES
)
POSTGRES_BACKWARD = (
    "DROP TRIGGER IF EXISTS fund_posting_balanced ON fund_posting;\n"
    + "".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};\n" for t in TABLES)
    + "DROP FUNCTION IF EXISTS fund_transaction_balanced();\nDROP FUNCTION IF EXISTS fund_append_only();"
)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the fund ledger is append-only'); END;"
            )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class Migration(migrations.Migration):
    dependencies = [("fund", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
