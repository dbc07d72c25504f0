# Owned by issue 6 (profile images): fill in the operations for that feature's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clerk_users", "0004_sessions_tokens")]

    operations: list = []
