"""The talent's stored pinyin search key (talents/search.py), filled in for the existing talents."""

from django.db import migrations, models

BATCH = 2_000


def fill_name_pinyin(apps, schema_editor):
    # The key function itself, not a copy: it is pure (name in, key out) and must match the search.
    from talents.search import pinyin_key

    talent_model = apps.get_model("talents", "Talent")
    rows = talent_model.objects.using(schema_editor.connection.alias).order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).only("pk", "name")[:BATCH])
        if not batch:
            break
        for talent in batch:
            talent.name_pinyin = pinyin_key(talent.name)
        talent_model.objects.using(schema_editor.connection.alias).bulk_update(batch, ["name_pinyin"], batch_size=500)
        last = batch[-1].pk


# SQLite only: the columns a search reads, narrow enough that SQLite scans this index instead of
# the wide talent rows (17 instead of 30 ms at 20,000 talents) and reads only the matching rows.
# Not a Meta index: on PostgreSQL a key of many polyphones outgrows a btree row (2,704 bytes), and
# PostgreSQL does not use a btree for LIKE '%…%' anyway. Django does not know this index, so a later
# migration that rebuilds the talent table on SQLite drops it: tests/talents/test_pinyin_search_key.py
# checks it is there.
SEARCH_INDEX = "talent_search_scan"
SEARCH_COLUMNS = ("name_pinyin", "name", "phone", "unit_id", "status")


def add_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        quote = schema_editor.quote_name
        columns = ", ".join(quote(c) for c in SEARCH_COLUMNS)
        schema_editor.execute(f"CREATE INDEX {quote(SEARCH_INDEX)} ON {quote('talents_talent')} ({columns})")


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(SEARCH_INDEX)}")


class Migration(migrations.Migration):
    dependencies = [
        ("talents", "0006_audit_entry"),
    ]

    operations = [
        migrations.AddField(
            model_name="talent",
            name="name_pinyin",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_name_pinyin, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(add_search_index, drop_search_index),
    ]
