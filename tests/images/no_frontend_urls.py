"""A URL configuration without the Frontend API (its avatar view cannot be reversed)."""

urlpatterns: list = []
