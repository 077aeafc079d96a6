"""The sign-in records of django-axes in the admin: evidence, so read-only. An account locked
after failed sign-ins is unlocked by deleting its access attempt (the admin logs the deletion);
nothing else there is added, changed or deleted."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.http import HttpRequest

from tousu.admin_base import ReadOnly


class LockAdmin(ReadOnly, AccessAttemptAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return AccessAttemptAdmin.has_delete_permission(self, request, obj)  # the unlock


class SignInLogAdmin(ReadOnly, AccessLogAdmin):
    pass


class FailureLogAdmin(ReadOnly, AccessFailureLogAdmin):
    pass


for model, model_admin in ((AccessAttempt, LockAdmin), (AccessLog, SignInLogAdmin),
                           (AccessFailureLog, FailureLogAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
