from django.urls import path

from portal import views
from portal.i18n import portal_language

app_name = "portal"
urlpatterns = [
    path("", portal_language(views.index), name="index"),
    path("file/", portal_language(views.file_complaint), name="file"),
    path("filed/<str:number>/", portal_language(views.filed), name="filed"),
    path("track/", portal_language(views.track), name="track"),
    path("verify/", portal_language(views.verify), name="verify"),
    path("c/<str:number>/", portal_language(views.status), name="status"),
    path("c/<str:number>/<str:action>/", portal_language(views.act), name="act"),
]
