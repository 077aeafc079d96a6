from django import template

from workspace.forms import bilingual as _bilingual

register = template.Library()


@register.filter
def bilingual(label: str) -> str:
    """The active language's half of a "中文 English" choice label."""
    return _bilingual(label)


@register.simple_tag(takes_context=True)
def staff_menu(context: template.Context) -> dict[str, bool]:
    """Which menu entries the signed-in user may use: registration (a staff role that registers,
    as `intake.views` and `register_complaint` check) and reports (a reporting role, as
    `reports.scope.report_paths` checks) and audit (as `privacy.views.audit_paths` checks)."""
    from complaints.lifecycle import STAFF
    from org.access import staff_principal
    from privacy.views import audit_paths
    from reports.scope import report_paths

    request = context.get("request")
    user = getattr(request, "user", None)
    principal = staff_principal(user) if user is not None and user.is_authenticated else None
    if principal is None:
        return {"register": False, "reports": False, "audit": False}
    return {"register": bool({role for role, _path in principal.grants} & STAFF),
            "reports": bool(report_paths(principal)), "audit": bool(audit_paths(principal))}
