# Owned by issue 7 (sessions, signing keys, JWT templates): fill in the operations for that feature's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clerk_users", "0003_secret_keys")]

    operations: list = []
