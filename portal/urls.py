from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.index, name="index"),
    path("file/", views.file_complaint, name="file"),
    path("filed/<str:number>/", views.filed, name="filed"),
    path("track/", views.track, name="track"),
    path("verify/", views.verify, name="verify"),
    path("c/<str:number>/", views.status, name="status"),
    path("c/<str:number>/<str:action>/", views.act, name="act"),
]
