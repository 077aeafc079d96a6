from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from org.forms import StaffLoginForm
from tousu.api import api

# The admin site (configuration) requires a verified one-time code on top of the password.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(authentication_form=StaffLoginForm),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("portal.urls")),
    path("intake/", include("intake.urls")),
    path("reports/", include("reports.urls")),
    path("audit/", include("privacy.urls")),
    path("", include("workspace.urls")),
]
handler404 = "tousu.errors.not_found"
handler500 = "tousu.errors.server_error"
