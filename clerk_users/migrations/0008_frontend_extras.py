# Owned by issue 4 (Frontend API): fill in the operations for that feature's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clerk_users", "0007_foundation_extras")]

    operations: list = []
