from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.views.generic import TemplateView

from example_project import media

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    # Clerk's <UserProfile/> on the site's own page (ClerkJS served from node_modules).
    path(
        "profile/",
        login_required(TemplateView.as_view(template_name="profile.html")),
        name="profile",
    ),
    # Clerk's <SignIn/> and <SignUp/> (the environment's sign_in_url / sign_up_url).
    # Path routing: the components own /sign-in/... and /sign-up/... (factor-one, sso-callback).
    path("sign-in/", TemplateView.as_view(template_name="sign_in.html"), name="sign_in"),
    re_path(r"^sign-in/.+$", TemplateView.as_view(template_name="sign_in.html")),
    path("sign-up/", TemplateView.as_view(template_name="sign_up.html"), name="sign_up"),
    re_path(r"^sign-up/.+$", TemplateView.as_view(template_name="sign_up.html")),
    path("admin/", admin.site.urls),
    path("accounts/", include("clerk_users.allauth_urls")),  # allauth.urls + Clerk-style ids
    path("api/backend/v1/", include("clerk_users.api.backend.urls")),
    path("api/frontend/v1/", include("clerk_users.api.frontend.urls")),
    # Uploaded images at storage.url(name), with DEBUG=0 too (example_project/media.py).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.serve, name="media"),
]
