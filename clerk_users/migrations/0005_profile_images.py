# Owned by issue 6 (profile images): the Image model and User.profile_image.
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import clerk_users.models.base


class Migration(migrations.Migration):
    dependencies = [("clerk_users", "0004_sessions_tokens")]

    operations = [
        migrations.CreateModel(
            name="Image",
            fields=[
                (
                    "id",
                    clerk_users.models.base.ClerkIDField(
                        prefix="img", primary_key=True, serialize=False
                    ),
                ),
                ("name", models.CharField(max_length=255)),
                ("path", models.CharField(max_length=255, unique=True)),
                ("content_type", models.CharField(max_length=64)),
                ("width", models.PositiveIntegerField()),
                ("height", models.PositiveIntegerField()),
                ("size", models.PositiveIntegerField(help_text="Bytes stored.")),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
            ],
            options={
                "ordering": ("created_at", "id"),
            },
        ),
        migrations.AddField(
            model_name="user",
            name="profile_image",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="clerk_users.image",
            ),
        ),
    ]
