from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("new/", views.new_complaint, name="new_complaint"),
    path("complaints/<str:number>/letter/", views.send_letter, name="send_letter"),
    path("quarantine/", views.held_messages, name="held_messages"),
    path("quarantine/<int:pk>/", views.held_message, name="held_message"),
]
