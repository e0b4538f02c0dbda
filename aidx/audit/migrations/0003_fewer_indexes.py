"""Five indexes on the audit log instead of nine: every write through a service appends an entry and all its indexes.

Dropped: action, target_type and target_id each had two (the plain one and, on PostgreSQL, the pattern one for LIKE),
and no query filters by target_id alone. Kept or made: the id, `at` (newest first), `actor` (the foreign key), the
pattern index on `action` (the log's prefix filter; it serves equality too) and (target_type, target_id) (a record's
history, the filter by type).

The old indexes are dropped by name: Django's AlterField would rebuild the table on SQLite, and lose the triggers
that keep the log append-only (0002).
"""

from django.db import migrations, models

# (column, the name Django gave its index; on PostgreSQL also name + "_like", the pattern one)
OLD_INDEXES = [
    ("action", "audit_auditentry_action_dee621eb"),
    ("target_type", "audit_auditentry_target_type_326c1332"),
    ("target_id", "audit_auditentry_target_id_72a55107"),
]


def forward(apps, schema_editor):
    for _column, name in OLD_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}_like"')


def backward(apps, schema_editor):
    for column, name in OLD_INDEXES:
        schema_editor.execute(f'CREATE INDEX "{name}" ON "audit_auditentry" ("{column}")')
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'CREATE INDEX "{name}_like" ON "audit_auditentry" ("{column}" varchar_pattern_ops)'
            )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="action",
                    field=models.CharField(max_length=60, verbose_name="action"),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="target_id",
                    field=models.CharField(max_length=64, verbose_name="record"),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="target_type",
                    field=models.CharField(max_length=60, verbose_name="record type"),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["action"], name="audit_action_prefix", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ),
    ]
