from django.urls import path

from workspace import boards, lists, notices, views

app_name = "workspace"
urlpatterns = [
    path("", lists.complaint_list, name="complaint_list"),
    path("home/", boards.home, name="home"),
    path("dashboard/", boards.dashboard, name="dashboard"),
    path("notices/", notices.notices, name="notices"),
    path("notices/read/", notices.read_notices, name="read_notices"),
    path("bulk-assign/", lists.bulk_assign, name="bulk_assign"),
    path("complaints/<str:number>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<str:number>/actions/<str:action>/", views.complaint_action,
         name="complaint_action"),
    path("complaints/<str:number>/suggestions/<str:head>/", views.decide, name="decide"),
    path("complaints/<str:number>/similar/", views.similar, name="similar"),
    path("complaints/<str:number>/reveal/", views.reveal, name="reveal"),
    path("complaints/<str:number>/evidence/<int:pk>/", views.evidence, name="evidence"),
    path("major/", boards.major_board, name="major_board"),
]
