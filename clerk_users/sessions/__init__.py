"""The sessions wing: Clerk ``Session`` rows, their activity, and the tokens they mint.

What it owns: the session lifecycle tied to Django's login/logout (``lifecycle``), request
activity parsing and throttled recording (``activity``, ``middleware``), RS256 signing keys and
the JWKS (``signing_keys``), session tokens and the ``firebase``/``hasura`` services
(``tokens``), and named JWT templates with ``{{user.*}}`` shortcodes (``jwt_templates``).

Public face: ``lifecycle`` (create, revoke, end, list), ``tokens`` (mint, verify), and
``middleware.SessionActivityMiddleware`` for ``MIDDLEWARE``. The models stay in
``clerk_users.models.sessions``; the APIs and the admin call these modules, never the reverse.
"""
