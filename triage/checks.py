from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def triage_map(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`manage.py check` (and `migrate`) refuse a $TOUSU_TRIAGE_MAP that cannot be used."""
    from triage.mapping import head_maps

    try:
        head_maps()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="triage.E001")]
    return []
