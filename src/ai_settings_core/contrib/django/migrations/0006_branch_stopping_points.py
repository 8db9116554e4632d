# Branch rules with their own stopping point: one nullable column, aligned with branch_patterns.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ai_settings", "0005_feed")]

    operations = [
        migrations.AddField(
            model_name="repositoryrecord",
            name="branch_stopping_points",
            field=models.JSONField(null=True),
        ),
    ]
