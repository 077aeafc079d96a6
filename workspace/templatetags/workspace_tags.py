from django import template

from workspace.forms import bilingual as _bilingual

register = template.Library()


@register.filter
def bilingual(label: str) -> str:
    """The active language's half of a "中文 English" choice label."""
    return _bilingual(label)
