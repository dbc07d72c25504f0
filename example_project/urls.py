from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("clerk_users.allauth_urls")),  # allauth.urls + Clerk-style ids
    path("api/backend/v1/", include("clerk_users.api.backend.urls")),
    path("api/frontend/v1/", include("clerk_users.api.frontend.urls")),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]
