"""``clerk_users_clear_sign_ins`` deletes only attempts past their ``abandon_at``."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from clerk_users.models import SignInAttempt, SignUpAttempt


def test_only_abandoned_attempts_are_deleted(db):
    now = timezone.now()
    old_in = SignInAttempt.objects.create(client_id="c", abandon_at=now - timedelta(seconds=1))
    live_in = SignInAttempt.objects.create(client_id="c", abandon_at=now + timedelta(hours=1))
    old_up = SignUpAttempt.objects.create(client_id="c", abandon_at=now - timedelta(days=2))
    live_up = SignUpAttempt.objects.create(client_id="c", abandon_at=now + timedelta(hours=1))
    out = StringIO()
    call_command("clerk_users_clear_sign_ins", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 sign-in and 1 sign-up attempts."
    assert list(SignInAttempt.objects.values_list("pk", flat=True)) == [live_in.pk]
    assert list(SignUpAttempt.objects.values_list("pk", flat=True)) == [live_up.pk]
    assert not SignInAttempt.objects.filter(pk=old_in.pk).exists()
    assert not SignUpAttempt.objects.filter(pk=old_up.pk).exists()
