# Owned by issue 3 (Backend API: SecretKey): fill in the operations for that feature's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clerk_users", "0002_external_accounts")]

    operations: list = []
