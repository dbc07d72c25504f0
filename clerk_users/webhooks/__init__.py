"""Webhooks (contract §11): Clerk's events, written to a transactional outbox in the change's
transaction, signed as Svix signs and delivered by workers that scale out.

Modules: ``events`` (names, envelope, data), ``outbox`` (enqueue), ``signing`` (Svix headers),
``endpoints`` (URL, filter and secret rules), ``delivery`` (workers), ``tasks`` (optional
trigger through Django's Tasks framework or Celery), ``receivers`` (signals to outbox),
``checks``, ``allauth`` (an account adapter reporting allauth's emails).
"""
