"""Sign-in and sign-up through ClerkJS: the rules behind ``/client/sign_ins`` and
``/client/sign_ups`` (Clerk's ``SignIn`` and ``SignUp`` resources).

They call the same rules as allauth's pages: allauth's adapter for authentication (its
``login_failed`` rate limit, the auth backend, our lockout through ``User.check_password``),
Django's ``login()`` (so ``sessions.lifecycle`` creates the ``Session`` row), allauth's
``user_logged_in`` / ``user_signed_up`` signals, ``AUTH_PASSWORD_VALIDATORS``, allauth.mfa for
TOTP and backup codes, and allauth's OAuth login flow.

- ``client``: the browser's client (its Django session) and the attempts it holds.
- ``factors``: who an identifier names and which factors a sign-in offers.
- ``codes``: one-time codes sent during a flow (hashed, expiring, counted).
- ``sign_ins`` / ``sign_ups``: the state machines.
- ``login``: finishing a flow with a Django login.
- ``oauth``: ``oauth_<provider>`` sign-ins and sign-ups through allauth's login flow.
- ``json``: Clerk's ``SignInJSON`` / ``SignUpJSON``.
"""
