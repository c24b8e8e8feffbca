from django.urls import path

from attachments import views

app_name = "attachments"

urlpatterns = [
    path("attachments/<int:pk>/", views.download, name="download"),
    path("attachments/<int:pk>/thumbnail/", views.thumbnail, name="thumbnail"),
    path("attachments/<int:pk>/delete/", views.delete, name="delete"),
    path("initiatives/<int:pk>/attachments/", views.upload, name="upload"),
]
