from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured


@register()
def retention_policy(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`manage.py check` refuses a retention policy below the regulator's minimum."""
    from privacy.retention import current_policy

    try:
        current_policy()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="privacy.E001")]
    return []


@register(Tags.database)
def field_keys_open_stored_values(
    app_configs: Any, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """At `migrate` and `check --database default`: the configured keys still open the newest
    stored phone number, and SECRET_KEY still gives its lookup hash. A changed SECRET_KEY or a
    dropped key leaves every customer's identifiers unreadable (errors on every complaint page)
    and returning customers unfound; this says so before the servers start."""
    if not databases:
        return []
    from cryptography.fernet import InvalidToken
    from django.db import DatabaseError

    from complaints import crypto
    from complaints.models import Customer

    try:
        row = (
            Customer.objects.exclude(phone_enc="")
            .order_by("-pk")
            .values_list("phone_enc", "phone_hash")
            .first()
        )
    except DatabaseError:  # not migrated yet: nothing stored to open
        return []
    if row is None:
        return []
    try:
        phone = crypto.decrypt(row[0])
    except InvalidToken:
        return [
            Error(
                "No key opens the stored customer identifiers",
                hint="Restore the SECRET_KEY and TOUSU_FIELD_KEYS they were written with "
                "(README, Data protection)",
                id="privacy.E002",
            )
        ]
    if row[1] and crypto.phone_hash(phone) != row[1]:
        return [
            Error(
                "SECRET_KEY differs from the one the customers' lookup hashes were made "
                "with: returning customers would not be found",
                hint="Restore the previous SECRET_KEY (README, Data protection)",
                id="privacy.E003",
            )
        ]
    return []
