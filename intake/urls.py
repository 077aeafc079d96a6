from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("new/", views.new_complaint, name="new_complaint"),
    path("complaints/<str:number>/letter/", views.send_letter, name="send_letter"),
]
