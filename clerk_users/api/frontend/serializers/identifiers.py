"""Parameters of the ``/me/email_addresses``, ``/me/phone_numbers`` and ``/me/web3_wallets``
routes."""

from __future__ import annotations

from rest_framework import serializers


class CreateEmailAddressInput(serializers.Serializer):
    email_address = serializers.CharField()


class CreatePhoneNumberInput(serializers.Serializer):
    phone_number = serializers.CharField()


class CreateWeb3WalletInput(serializers.Serializer):
    web3_wallet = serializers.CharField()


class PrepareVerificationInput(serializers.Serializer):
    strategy = serializers.CharField(
        help_text="email_code, phone_code, or web3_metamask_signature for wallets."
    )


class AttemptCodeInput(serializers.Serializer):
    code = serializers.CharField()


class AttemptSignatureInput(serializers.Serializer):
    signature = serializers.CharField(help_text="EIP-191 signature of verification.message.")
