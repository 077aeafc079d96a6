from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "组织与角色 Organisation"
