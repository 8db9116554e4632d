"""The organization's invariants: a JSON array of invariant payloads, empty for old rows."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    """Add ``OrganizationRecord.invariants``."""

    dependencies = [("ai_settings", "0002_expiry")]

    operations = [
        migrations.AddField(
            model_name="organizationrecord",
            name="invariants",
            field=models.TextField(default="[]", help_text="JSON array of invariant payloads"),
        ),
    ]
