"""The Frontend API under ``i18n_patterns``: its paths depend on the active language."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

urlpatterns = i18n_patterns(path("api/frontend/v1/", include("clerk_users.api.frontend.urls")))
