"""The stock ledger (movements and entries) is append-only in the database itself.

UPDATE is refused on both engines, DELETE on PostgreSQL (TRUNCATE, the test runner's flush, stays possible;
SQLite's flush uses DELETE, so there only UPDATE is refused). Corrections are new movements.
"""

from django.db import migrations

TABLES = ("stockpile_movement", "stockpile_entry")

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION stockpile_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the stock ledger is append-only';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION stockpile_append_only();\n"
    for t in TABLES
)
POSTGRES_BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {t}_append_only ON {t};\n" for t in TABLES) + (
    "DROP FUNCTION IF EXISTS stockpile_append_only();"
)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'the stock ledger is append-only'); END;"
            )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")


class Migration(migrations.Migration):
    dependencies = [("stockpile", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
