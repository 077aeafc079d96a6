from typing import Any

from django.core.checks import CheckMessage, Error, register
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
