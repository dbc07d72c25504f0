"""allauth's URLs, with the password-reset link accepting Clerk-style user ids.

allauth puts the user's primary key in its reset link and matches it with ``[0-9A-Za-z]+``;
our ids (``user_2pWJ...``) carry an underscore, so the stock pattern answers 404. Mount this
module instead of ``allauth.urls`` (``path("accounts/", include("clerk_users.allauth_urls"))``);
our pattern comes first and everything else is allauth's own.
"""

from __future__ import annotations

from allauth.account import views
from django.urls import include, path, re_path

urlpatterns = [
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z_]+)-(?P<key>.+)/$",
        views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path("", include("allauth.urls")),
]
