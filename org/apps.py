from django.apps import AppConfig
from django.core.signals import request_started
from django.db.models.signals import post_delete, post_save


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "组织与角色 Organisation"

    def ready(self) -> None:
        from org import cache
        from org.models import ApiKey, OrgUnit, RoleGrant, RoutingRule

        for model in (ApiKey, OrgUnit, RoleGrant, RoutingRule):
            post_save.connect(cache.changed, sender=model,
                              dispatch_uid=f"org-cache-{model.__name__}")
            post_delete.connect(cache.changed, sender=model,
                                dispatch_uid=f"org-cache-del-{model.__name__}")
        request_started.connect(cache.request_started, dispatch_uid="org-cache-request")
