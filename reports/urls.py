from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_page, name="index"),
    path("disclosure/<int:year>/", views.disclosure_page, name="disclosure"),
    path("<str:name>/", views.report_page, name="report"),
]
