"""The change feed: each organization's generation and the records of what it changed."""

from __future__ import annotations

from typing import ClassVar

from django.db import migrations, models


class Migration(migrations.Migration):
    """Add ``FeedGeneration`` and ``FeedChange``."""

    dependencies: ClassVar = [("ai_settings", "0004_audit_change_and_reverts")]

    operations: ClassVar = [
        migrations.CreateModel(
            name="FeedGeneration",
            fields=[
                ("organization_id", models.TextField(primary_key=True, serialize=False)),
                ("generation", models.PositiveBigIntegerField()),
                ("floor", models.PositiveBigIntegerField()),
            ],
            options={"db_table": "ai_settings_feed_generation"},
        ),
        migrations.CreateModel(
            name="FeedChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("organization_id", models.TextField()),
                ("generation", models.PositiveBigIntegerField()),
                ("organization", models.BooleanField()),
                ("project_ids", models.TextField(null=True)),
            ],
            options={
                "db_table": "ai_settings_feed_change",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization_id", "generation"),
                        name="ai_settings_feed_change_key",
                    )
                ],
            },
        ),
    ]
