"""The OAuth wing: external accounts through django-allauth's provider apps.

What it owns: the 14 providers of Clerk's ``OAuthProvider`` list and their allauth settings
(``providers``), the rules of external accounts (``external_accounts``: create, reauthorize,
delete, the last-way-to-sign-in rule, JSON), the connect flow and allauth's social signals
(``flow``), allauth's social-account adapter (``adapter``), provider access tokens with refresh
(``tokens``) and the system check W050 (``checks``).

Public face: ``external_accounts`` for the rules, ``providers.PROVIDERS`` and
``providers.socialaccount_providers()`` for settings, and ``adapter.ClerkSocialAccountAdapter``
for ``SOCIALACCOUNT_ADAPTER``. The ``ExternalAccount`` model stays in
``clerk_users.models.external_accounts``.
"""
