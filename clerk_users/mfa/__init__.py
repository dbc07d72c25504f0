"""The MFA wing: second factors through ``allauth.mfa``.

What it owns: TOTP and backup codes as Clerk's user object shows them (``authenticators``:
enabled flags, begin/attempt/disable TOTP, regenerate backup codes, verify a second factor,
imports of secrets), and their secrets encrypted at rest with a key derived from
``SECRET_KEY`` (``adapter``: ``MFA_ADAPTER = "clerk_users.mfa.adapter.ClerkMFAAdapter"``).

Public face: ``authenticators`` for the rules both APIs, the sign-in flows and the Python API
call; ``adapter.ClerkMFAAdapter`` for allauth's ``MFA_ADAPTER`` setting.
"""
