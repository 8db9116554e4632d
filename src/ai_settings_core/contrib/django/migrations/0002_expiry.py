"""When overrides and locks expire (``NULL``: never): one nullable column for each."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ai_settings", "0001_initial")]

    operations = [
        *(
            migrations.AddField(
                model_name=model,
                name=name,
                field=models.DateTimeField(null=True),
            )
            for model, name in (
                ("organizationrecord", "scan_enabled_lock_expires_at"),
                ("organizationrecord", "fix_enabled_lock_expires_at"),
                ("organizationrecord", "stopping_point_lock_expires_at"),
                ("projectrecord", "scan_enabled_override_expires_at"),
                ("projectrecord", "fix_enabled_override_expires_at"),
                ("projectrecord", "stopping_point_override_expires_at"),
                ("repositoryrecord", "stopping_point_override_expires_at"),
            )
        ),
    ]
