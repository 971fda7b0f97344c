"""The organisation row every installation starts with; the office edits it in the admin."""

from django.db import migrations


def create_default(apps, schema_editor):
    apps.get_model("talents", "Organization").objects.get_or_create(
        pk=1,
        defaults={
            "county": "开江县",
            "township": "梅家乡",
            "committee_name": "中共开江县梅家乡委员会",
            "office_name": "梅家乡党建办",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("talents", "0002_roles")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
