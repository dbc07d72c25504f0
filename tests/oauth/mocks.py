"""Provider HTTP endpoints of the 14 OAuth providers, mocked at the ``requests`` layer.

Each entry gives the token endpoint, the profile endpoints (sample responses shaped like the
providers' documented ones, as allauth's own provider tests use) and what the resulting
external account must hold. :func:`run_oauth` drives a browser through allauth: start URL ->
provider authorize URL -> callback with ``code`` and ``state``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses

TOKEN = {
    "access_token": "provider-access-token",
    "token_type": "bearer",
    "expires_in": 3600,
    "refresh_token": "provider-refresh-token",
}


@dataclass
class Provider:
    name: str
    authorize_host: str
    token: tuple[str, str]  # (method, url regex)
    profile: list[tuple[str, str, Any]]
    expected: dict[str, Any]
    token_extra: dict[str, Any] = field(default_factory=dict)
    setup: list[tuple[str, str, Any]] = field(default_factory=list)


LINKEDIN_CONFIG = {
    "issuer": "https://www.linkedin.com/oauth",
    "authorization_endpoint": "https://www.linkedin.com/oauth/v2/authorization",
    "token_endpoint": "https://www.linkedin.com/oauth/v2/accessToken",
    "userinfo_endpoint": "https://api.linkedin.com/v2/userinfo",
    "jwks_uri": "https://www.linkedin.com/oauth/openid/jwks",
    "token_endpoint_auth_methods_supported": ["client_secret_post"],
}
LINKEDIN_WELL_KNOWN = (
    "GET",
    r"https://www\.linkedin\.com/oauth/\.well-known/openid-configuration",
    LINKEDIN_CONFIG,
)

PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in [
        Provider(
            "facebook",
            "www.facebook.com",
            ("GET", r"https://graph\.facebook\.com/v[\d.]+/oauth/access_token"),
            [
                (
                    "GET",
                    r"https://graph\.facebook\.com/v[\d.]+/me",
                    {
                        "id": "630595557",
                        "email": "raymond@example.com",
                        "first_name": "Raymond",
                        "last_name": "Penners",
                        "name": "Raymond Penners",
                    },
                )
            ],
            {
                "provider_user_id": "630595557",
                "email_address": "raymond@example.com",
                "email_address_verified": False,
                "first_name": "Raymond",
                "last_name": "Penners",
            },
        ),
        Provider(
            "github",
            "github.com",
            ("POST", r"https://github\.com/login/oauth/access_token"),
            [
                (
                    "GET",
                    r"https://api\.github\.com/user$",
                    {
                        "id": 4242,
                        "login": "ghopper",
                        "name": "Grace Hopper",
                        "avatar_url": "https://avatars.example/4242.png",
                    },
                ),
                (
                    "GET",
                    r"https://api\.github\.com/user/emails",
                    [
                        {"email": "grace@example.org", "primary": True, "verified": True},
                        {"email": "other@example.org", "primary": False, "verified": False},
                    ],
                ),
            ],
            {
                "provider_user_id": "4242",
                "email_address": "grace@example.org",
                "email_address_verified": True,
                "first_name": "Grace",
                "last_name": "Hopper",
                "username": "ghopper",
                "image_url": "https://avatars.example/4242.png",
                "approved_scopes": "read:user user:email",
            },
        ),
        Provider(
            "google",
            "accounts.google.com",
            ("POST", r"https://oauth2\.googleapis\.com/token"),
            [
                (
                    "GET",
                    r"https://(www|openidconnect)\.googleapis\.com/.*userinfo.*",
                    {
                        "sub": "108204268033311374519",
                        "email": "ada@example.net",
                        "email_verified": True,
                        "given_name": "Ada",
                        "family_name": "Lovelace",
                        "picture": "https://lh3.example/ada.jpg",
                    },
                )
            ],
            {
                "provider_user_id": "108204268033311374519",
                "email_address": "ada@example.net",
                "email_address_verified": True,
                "first_name": "Ada",
                "last_name": "Lovelace",
                "image_url": "https://lh3.example/ada.jpg",
                "approved_scopes": "openid profile email",
            },
        ),
        Provider(
            "hubspot",
            "app.hubspot.com",
            ("POST", r"https://api\.hubapi\.com/oauth/v1/token"),
            [
                (
                    "GET",
                    r"https://api\.hubapi\.com/oauth/v1/access-tokens/.+",
                    {
                        "token": "provider-access-token",
                        "user": "hub@example.com",
                        "hub_domain": "example.com",
                        "hub_id": 62515,
                        "user_id": 123456,
                    },
                )
            ],
            {
                "provider_user_id": "123456",
                "email_address": "hub@example.com",
                "email_address_verified": True,
            },
        ),
        Provider(
            "tiktok",
            "www.tiktok.com",
            ("POST", r"https://open\.tiktokapis\.com/v2/oauth/token/"),
            [
                (
                    "GET",
                    r"https://open\.tiktokapis\.com/v2/user/info/.*",
                    {
                        "data": {
                            "user": {
                                "open_id": "tt-723f24d7",
                                "display_name": "Tik Toker",
                                "username": "tiktoker",
                                "avatar_url": "https://tiktok.example/a.jpg",
                            }
                        },
                        "error": {"code": "ok"},
                    },
                )
            ],
            {
                "provider_user_id": "tt-723f24d7",
                "email_address": "",
                "first_name": "Tik",
                "last_name": "Toker",
                "username": "tiktoker",
            },
            token_extra={"open_id": "tt-723f24d7", "scope": "user.info.basic"},
        ),
        Provider(
            "gitlab",
            "gitlab.com",
            ("POST", r"https://gitlab\.com/oauth/token"),
            [
                (
                    "GET",
                    r"https://gitlab\.com/api/v4/user.*",
                    {
                        "id": 2,
                        "username": "mr.gitlab",
                        "name": "Mister Gitlab",
                        "email": "mr.gitlab@example.com",
                        "avatar_url": "https://secure.gravatar.example/gl.png",
                    },
                )
            ],
            {
                "provider_user_id": "2",
                "email_address": "mr.gitlab@example.com",
                "email_address_verified": False,
                "username": "mr.gitlab",
                "first_name": "Mister",
                "last_name": "Gitlab",
            },
        ),
        Provider(
            "discord",
            "discord.com",
            ("POST", r"https://discord\.com/api/oauth2/token"),
            [
                (
                    "GET",
                    r"https://discord\.com/api/users/@me",
                    {
                        "id": "80351110224678912",
                        "username": "nelly",
                        "discriminator": "0",
                        "global_name": "Nelly",
                        "avatar": "8342729096ea3675442027381ff50dfe",
                        "verified": True,
                        "email": "nelly@example.com",
                    },
                )
            ],
            {
                "provider_user_id": "80351110224678912",
                "email_address": "nelly@example.com",
                "email_address_verified": True,
                "username": "nelly",
            },
        ),
        Provider(
            "twitter",
            "x.com",
            ("POST", r"https://api\.x\.com/2/oauth2/token"),
            [
                (
                    "GET",
                    r"https://api\.x\.com/2/users/me.*",
                    {
                        "data": {
                            "id": "2244994945",
                            "name": "X Dev",
                            "username": "xdevelopers",
                            "profile_image_url": "https://pbs.example/x.jpg",
                        }
                    },
                )
            ],
            {
                "provider_user_id": "2244994945",
                "email_address": "",
                "first_name": "X",
                "last_name": "Dev",
                "username": "xdevelopers",
            },
        ),
        Provider(
            "twitch",
            "id.twitch.tv",
            ("POST", r"https://id\.twitch\.tv/oauth2/token"),
            [
                (
                    "GET",
                    r"https://api\.twitch\.tv/helix/users",
                    {
                        "data": [
                            {
                                "id": "44322889",
                                "login": "dallas",
                                "display_name": "Dallas Twitch",
                                "email": "dallas@example.com",
                                "profile_image_url": "https://twitch.example/d.png",
                            }
                        ]
                    },
                )
            ],
            {
                "provider_user_id": "44322889",
                "email_address": "dallas@example.com",
                "username": "dallas",
            },
        ),
        Provider(
            "linkedin",
            "www.linkedin.com",
            ("POST", r"https://www\.linkedin\.com/oauth/v2/accessToken"),
            [
                (
                    "GET",
                    r"https://api\.linkedin\.com/v2/userinfo",
                    {
                        "sub": "782bbtaQ",
                        "name": "John Doe",
                        "given_name": "John",
                        "family_name": "Doe",
                        "picture": "https://media.licdn.example/jd.jpg",
                        "email": "doe@example.com",
                        "email_verified": True,
                    },
                )
            ],
            {
                "provider_user_id": "782bbtaQ",
                "email_address": "doe@example.com",
                "email_address_verified": True,
                "first_name": "John",
                "last_name": "Doe",
            },
            setup=[LINKEDIN_WELL_KNOWN],
        ),
        Provider(
            "dropbox",
            "www.dropbox.com",
            ("POST", r"https://api\.dropbox\.com/oauth2/token"),
            [
                (
                    "POST",
                    r"https://api\.dropbox\.com/2/users/get_current_account",
                    {
                        "account_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
                        "name": {
                            "given_name": "Franz",
                            "surname": "Ferdinand",
                            "display_name": "Franz Ferdinand",
                        },
                        "email": "franz@example.com",
                        "email_verified": True,
                    },
                )
            ],
            {
                "provider_user_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
                "email_address": "franz@example.com",
                "first_name": "Franz",
                "last_name": "Ferdinand",
            },
        ),
        Provider(
            "bitbucket",
            "bitbucket.org",
            ("POST", r"https://bitbucket\.org/site/oauth2/access_token"),
            [
                (
                    "GET",
                    r"https://api\.bitbucket\.org/2\.0/user$",
                    {
                        "account_id": "557058:b6ba11e3",
                        "username": "tutorials",
                        "display_name": "Tutorials Account",
                        "links": {"avatar": {"href": "https://bitbucket.example/t.png"}},
                    },
                ),
                (
                    "GET",
                    r"https://api\.bitbucket\.org/2\.0/user/emails",
                    {
                        "values": [
                            {
                                "email": "tutorials@example.com",
                                "is_primary": True,
                                "is_confirmed": True,
                            }
                        ]
                    },
                ),
            ],
            {
                "provider_user_id": "557058:b6ba11e3",
                "email_address": "tutorials@example.com",
                "username": "tutorials",
                "first_name": "Tutorials",
                "last_name": "Account",
            },
        ),
        Provider(
            "microsoft",
            "login.microsoftonline.com",
            ("POST", r"https://login\.microsoftonline\.com/common/oauth2/v2\.0/token"),
            [
                (
                    "GET",
                    r"https://graph\.microsoft\.com/v1\.0/me.*",
                    {
                        "id": "16f5a7b6-5a15-4568-aa5a-31bb117e9967",
                        "displayName": "Anne Weiler",
                        "givenName": "Anne",
                        "surname": "Weiler",
                        "mail": "annew@example.com",
                        "userPrincipalName": "annew@example.com",
                        "mailNickname": "annew",
                    },
                )
            ],
            {
                "provider_user_id": "16f5a7b6-5a15-4568-aa5a-31bb117e9967",
                "email_address": "annew@example.com",
                "first_name": "Anne",
                "last_name": "Weiler",
                "username": "annew",
            },
        ),
        Provider(
            "notion",
            "api.notion.com",
            ("POST", r"https://api\.notion\.com/v1/oauth/token"),
            [],
            {
                "provider_user_id": "user-nu-1_workspace-ws-1",
                "email_address": "notion@example.com",
                "email_address_verified": False,
                "first_name": "No",
                "last_name": "Tion",
            },
            token_extra={
                "workspace_id": "ws-1",
                "workspace_name": "Workspace",
                "bot_id": "bot-1",
                "owner": {
                    "type": "user",
                    "user": {
                        "id": "nu-1",
                        "name": "No Tion",
                        "avatar_url": "https://notion.example/n.png",
                        "type": "person",
                        "person": {"email": "notion@example.com"},
                    },
                },
            },
        ),
    ]
}


def mock_provider(
    rsps: responses.RequestsMock, provider: Provider, token_status: int = 200
) -> None:
    """Register the provider's token and profile endpoints on ``rsps``."""
    for method, url, body in provider.setup:
        rsps.add(method, re.compile(url), json=body)
    method, url = provider.token
    rsps.add(method, re.compile(url), json={**TOKEN, **provider.token_extra}, status=token_status)
    for method, url, body in provider.profile:
        rsps.add(method, re.compile(url), json=body)


def follow_to_provider(client: Any, start_url: str, provider: Provider) -> dict[str, str]:
    """GET the start URL; it must redirect to the provider's authorize URL. Returns its query."""
    response = client.get(start_url)
    assert response.status_code == 302, response.content[:500]
    location = urlsplit(response["Location"])
    assert location.hostname == provider.authorize_host, response["Location"]
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["state"]
    if provider.name == "notion":  # Notion's authorize URL carries no redirect_uri
        query["redirect_uri"] = "http://testserver/accounts/notion/login/callback/"
    assert query["redirect_uri"].startswith("http://testserver/accounts/")
    return query


def callback(client: Any, query: dict[str, str], **params: str) -> Any:
    """The browser coming back from the provider to allauth's callback view."""
    path = urlsplit(query["redirect_uri"]).path
    return client.get(path, {"state": query["state"], **params})
