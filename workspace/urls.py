from django.urls import path

from workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.complaint_list, name="complaint_list"),
    path("complaints/<str:number>/", views.complaint_detail, name="complaint_detail"),
    path("major/", views.major_board, name="major_board"),
]
