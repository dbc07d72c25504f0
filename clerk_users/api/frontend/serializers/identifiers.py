"""Parameters of the ``/me/email_addresses``, ``/me/phone_numbers`` and ``/me/web3_wallets``
routes."""

from __future__ import annotations

from rest_framework import serializers

from clerk_users.api.frontend.serializers import StrictCharField


class CreateEmailAddressInput(serializers.Serializer):
    email_address = StrictCharField()


class CreatePhoneNumberInput(serializers.Serializer):
    phone_number = StrictCharField()


class UpdatePhoneNumberInput(serializers.Serializer):
    """ClerkJS's ``phoneNumber.setReservedForSecondFactor()`` and ``makeDefaultSecondFactor()``."""

    reserved_for_second_factor = serializers.BooleanField(required=False)
    default_second_factor = serializers.BooleanField(required=False)


class CreateWeb3WalletInput(serializers.Serializer):
    web3_wallet = StrictCharField()


class PrepareVerificationInput(serializers.Serializer):
    strategy = StrictCharField(
        help_text="email_code, phone_code, or web3_metamask_signature for wallets."
    )


class AttemptCodeInput(serializers.Serializer):
    code = StrictCharField()


class AttemptSignatureInput(serializers.Serializer):
    signature = StrictCharField(help_text="EIP-191 signature of verification.message.")
