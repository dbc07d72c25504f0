"""``/me``: the signed-in user reads, updates and deletes their own account.

Every write goes through the domain modules (``users``, ``metadata``, ``passwords``) with the
field sets a user may touch; ``private_metadata`` is neither readable nor writable here.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors, metadata, passwords, users
from clerk_users.api.frontend.base import FrontendViewSet
from clerk_users.api.frontend.serializers import envelope_of, read_params
from clerk_users.api.frontend.serializers.me import (
    ChangePasswordInput,
    MetadataInput,
    RemovePasswordInput,
    UpdateMeInput,
)
from clerk_users.api.serializers import DeletedObjectSerializer, FrontendUserSerializer, user_json
from clerk_users.app_settings import app_settings
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions import reverification
from clerk_users.sessions.reverification import reverification_required

# ``password`` is left out on purpose: a new password needs the current one
# (``POST /me/change_password``), so a stolen session cannot take the account over.
SELF_UPDATE_FIELDS = users.SELF_UPDATABLE - {"password"}

UserEnvelope = envelope_of("FrontendUserResponse", FrontendUserSerializer())
DeletedEnvelope = envelope_of("FrontendDeletedUserResponse", DeletedObjectSerializer())


def load_user(user: Any, *, refresh: bool = False) -> Any:
    """``user`` with everything the user JSON needs: re-read with ``with_identifiers()``
    (two queries) after a write, else the row authentication loaded plus its relations
    (one query, a second only for an uploaded profile image)."""
    from clerk_users.models import loading

    if refresh:
        fresh = loading.user_with_identifiers(type(user), user.pk)
        if fresh is None:
            raise type(user).DoesNotExist(f"No user {user.pk}.")
        return fresh
    loading.load_relations([user], user._state.db or "default")
    return user


def frontend_user_json(user: Any, *, refresh: bool = True) -> dict[str, Any]:
    return user_json(load_user(user, refresh=refresh), backend=False)


class MeViewSet(FrontendViewSet):
    """``GET|PATCH|DELETE /me``, ``PATCH /me/metadata``, ``POST /me/change_password``."""

    @extend_schema(operation_id="get_me", responses={200: UserEnvelope}, tags=["me"])
    def retrieve(self, request: Request) -> Response:
        return self.respond(frontend_user_json(request.user, refresh=False))

    @extend_schema(
        operation_id="update_me", request=UpdateMeInput, responses={200: UserEnvelope}, tags=["me"]
    )
    def partial_update(self, request: Request) -> Response:
        params = read_params(request, UpdateMeInput)
        if any(name.startswith("primary_") for name in params):
            reverification.ensure_reverified(request)  # changing a primary is sensitive
        users.update_user(request.user, params, allowed=frozenset(SELF_UPDATE_FIELDS))
        return self.respond(frontend_user_json(request.user))

    @extend_schema(operation_id="delete_me", responses={200: DeletedEnvelope}, tags=["me"])
    @reverification_required
    def destroy(self, request: Request) -> Response:
        user: Any = request.user
        if not user.delete_self_enabled:
            raise errors.ClerkError(
                "delete_self_not_enabled",
                "deleting your account is not allowed",
                long_message="Self-deletion is disabled for this account.",
                status=403,
            )
        user_id = users.delete_user(user)
        request.session.flush()
        return self.respond({"object": "user", "id": user_id, "deleted": True})

    @extend_schema(
        operation_id="update_me_metadata",
        request=MetadataInput,
        responses={200: UserEnvelope},
        tags=["me"],
    )
    def metadata(self, request: Request) -> Response:
        params = read_params(request, MetadataInput)
        metadata.update_metadata(request.user, params, allowed=("unsafe_metadata",))
        return self.respond(frontend_user_json(request.user))

    @extend_schema(
        operation_id="change_password",
        request=ChangePasswordInput,
        responses={200: UserEnvelope},
        tags=["me"],
    )
    @reverification_required
    def change_password(self, request: Request) -> Response:
        params = read_params(request, ChangePasswordInput)
        user: Any = request.user
        if user.password_enabled:
            check_current_password_unless_reverified(user, params.get("current_password"))
        passwords.validate_new_password(params["new_password"], user, param="new_password")
        passwords.set_password(user, params["new_password"], skip_checks=True, save=False)
        user.save(update_fields=["password", "password_last_updated_at", "updated_at"])
        # Keep this session signed in (Django ties sessions to the password hash); the
        # cycled session key is stored on the Clerk session so revoking it still works.
        sessions.keep_signed_in_after_password_change(request._request, user)
        if params.get("sign_out_of_other_sessions"):
            keep = request.session.session_key if hasattr(request, "session") else None
            sessions.revoke_other_sessions(user, keep_session_key=keep)
        return self.respond(frontend_user_json(user))

    @extend_schema(
        operation_id="remove_password",
        request=RemovePasswordInput,
        responses={200: UserEnvelope},
        tags=["me"],
    )
    @reverification_required
    def remove_password(self, request: Request) -> Response:
        """ClerkJS's ``user.removePassword({currentPassword})``: refused where the site
        requires a password at sign-up (the environment's ``password.required``)."""
        from allauth.account import app_settings as account_settings

        params = read_params(request, RemovePasswordInput)
        user: Any = request.user
        if not user.password_enabled:
            raise errors.ClerkError(
                "password_not_set",
                "password not set",
                long_message="This account has no password to remove.",
            )
        if account_settings.SIGNUP_FIELDS.get("password1", {}).get("required"):
            raise errors.ClerkError(
                "password_required",
                "a password is required",
                long_message="This site requires a password: it cannot be removed.",
                status=403,
            )
        check_current_password_unless_reverified(user, params.get("current_password"))
        user.set_unusable_password()
        user.save(update_fields=["password", "updated_at"])
        sessions.keep_signed_in_after_password_change(request._request, user)
        return self.respond(frontend_user_json(user))


def check_current_password_unless_reverified(user: Any, current: Any) -> None:
    """With reverification on, the ``@reverification_required`` check that let the request
    through stands for the current password, as on Clerk (ClerkJS's ``<UserProfile/>`` then
    sends none); a password that is sent is still checked. With it off, it is required."""
    if current or app_settings.REVERIFICATION_MAX_AGE is None:
        check_current_password(user, current)


def check_current_password(user: Any, current: Any) -> None:
    """422 unless ``current`` is the user's password (a wrong one counts toward the lockout).

    With reverification on (``REVERIFICATION_MAX_AGE`` set), the views calling this already
    required a fresh first-factor verification of the session, so the current password may
    be left out, as Clerk's instances with reverification do (ClerkJS's password form then
    stops asking for it: the environment's ``auth_config.reverification``); a given one is
    still checked."""
    from clerk_users.api.frontend.environment import reverification_enabled

    if not current:
        if reverification_enabled():
            return
        raise errors.param_missing("current_password")
    if not passwords.check_password(user, current):
        raise errors.ClerkError(
            "form_password_incorrect",
            "Password is incorrect",
            long_message="The current password is incorrect.",
            param_name="current_password",
        )
