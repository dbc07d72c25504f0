# Owned by issue 2 (foundation follow-ups): fill in the operations for that feature's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clerk_users", "0006_external_account_flows")]

    operations: list = []
