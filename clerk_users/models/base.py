"""Fields and bases shared by every clerk_users model."""

from __future__ import annotations

from typing import Any

from django.db import models

from clerk_users import ids


class ClerkIDField(models.CharField):
    """Primary key holding a Clerk-style ID (``<prefix>_<27 base62>``), generated on create.

    The prefix is part of the field's definition, so migrations stay stable and there is one
    ID scheme for every model.
    """

    def __init__(self, prefix: str = "", **kwargs: Any) -> None:
        self.prefix = prefix
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(**kwargs)

    def has_default(self) -> bool:
        return True

    def get_default(self) -> str:
        return ids.generate_id(self.prefix)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        kwargs.pop("editable", None)
        return name, path, args, kwargs


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
