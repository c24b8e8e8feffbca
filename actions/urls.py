from django.urls import path

from actions import views

app_name = "actions"

urlpatterns = [
    path("initiatives/<int:pk>/actions/", views.action_add, name="add"),
    path("actions/<int:pk>/edit/", views.action_edit, name="edit"),
    path("actions/<int:pk>/status/", views.action_status, name="status"),
]
