"""The images wing: profile images and generated avatars.

What it owns: reading and validating uploaded bytes before any decode, re-encoding without
metadata (``validation``), storing through Django's storage API and computing ``image_url``
(``profile``), the initials avatars used when a user has no image (``avatars``), and the
system checks of the image settings (``checks``).

Public face: ``profile.set_profile_image``, ``profile.image_url`` and
``validation.process_upload``, the one place that reads image bytes. The ``Image`` model stays
in ``clerk_users.models.images``.
"""
