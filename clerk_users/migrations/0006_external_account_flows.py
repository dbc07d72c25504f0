# Owned by issue 5 (external accounts): fill in the operations for that feature's models.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clerk_users", "0005_profile_images")]

    operations: list = []
