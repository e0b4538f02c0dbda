"""Fewer indexes on the ledger: every movement writes its rows' index entries, and these served no query.

- balance: (lot) twice (the foreign key's and Meta's), and (warehouse), which the unique (warehouse, lot) serves;
- entry: (lot), which (lot, warehouse) serves;
- movement: (kind, occurred_on), used by no query; (allocation) and the one-release-per-allocation unique index
  now leave out the movements without an allocation (most of them), which no lookup by allocation can find anyway.

The foreign keys' own indexes are dropped by name, without touching the constraints (Django's AlterField would drop
and re-add each constraint, checking every row of the ledger again).
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, index name as Django made it for the foreign key)
FOREIGN_KEY_INDEXES = [
    ("stockpile_balance", "warehouse_id", "stockpile_balance_warehouse_id_432da638"),
    ("stockpile_entry", "lot_id", "stockpile_entry_lot_id_43ff2640"),
    ("stockpile_movement", "allocation_id", "stockpile_movement_allocation_id_6971d25a"),
]


def _drop_index(table, column, name):
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{name}"', reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")'
    )


class Migration(migrations.Migration):
    dependencies = [
        ("assistance", "0004_list_filter_indexes"),
        ("nations", "0001_initial"),
        ("stockpile", "0002_ledger_append_only"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="movement",
            name="movement_one_release_per_allocation",
        ),
        migrations.RemoveIndex(
            model_name="balance",
            name="stockpile_b_lot_id_014073_idx",
        ),
        migrations.RemoveIndex(
            model_name="movement",
            name="stockpile_m_kind_532983_idx",
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[_drop_index(*index) for index in FOREIGN_KEY_INDEXES],
            state_operations=[
                migrations.AlterField(
                    model_name="balance",
                    name="warehouse",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="stock_balances",
                        to="nations.site",
                        verbose_name="warehouse",
                    ),
                ),
                migrations.AlterField(
                    model_name="entry",
                    name="lot",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="stockpile.lot",
                        verbose_name="lot",
                    ),
                ),
                migrations.AlterField(
                    model_name="movement",
                    name="allocation",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="stock_movements",
                        to="assistance.allocation",
                        verbose_name="allocation",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="movement",
            index=models.Index(
                condition=models.Q(("allocation__isnull", False)), fields=["allocation"], name="movement_allocation"
            ),
        ),
        migrations.AddConstraint(
            model_name="movement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("allocation__isnull", False), ("kind", "release")),
                fields=("allocation",),
                name="movement_one_release_per_allocation",
            ),
        ),
    ]
