"""Each audit entry's change (the write it belongs to) and the entry it reverts."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ai_settings", "0003_organization_invariants")]

    operations = [
        migrations.AddField(
            model_name="auditrecord",
            name="change_id",
            field=models.TextField(help_text="The write the entry belongs to", null=True),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="reverts",
            field=models.BigIntegerField(help_text="The id of the entry it reverts", null=True),
        ),
    ]
