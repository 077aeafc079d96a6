"""Admin pages of records that only the system writes (events, logs, runs, the mailbox): shown,
never added, changed or deleted there."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnly:
    """A mixin, for admins that are not plain ModelAdmins (django-axes' own)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass
